using System;
using System.Collections.Generic;
using System.IO;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>What the build knows about itself, for the SBOM and the provenance record.</summary>
    public sealed class AttestationRequest
    {
        public bool Sbom { get; set; }
        public bool Provenance { get; set; }
        public string ImageName { get; set; } = "";
        public string AppName { get; set; } = "";
        public string AppVersion { get; set; } = "";
        public string? AssetsFile { get; set; }
        public string TargetFramework { get; set; } = "";
        public IReadOnlyList<KeyValuePair<string, string>> Runtimes { get; set; } = new KeyValuePair<string, string>[0];
        public DateTimeOffset Created { get; set; }
        public string ToolVersion { get; set; } = "";
        public string ProjectFile { get; set; } = "";
        public string Configuration { get; set; } = "";
        public IReadOnlyList<string> RuntimeIdentifiers { get; set; } = new string[0];
        public string SdkVersion { get; set; } = "";
        public string? SourceRepository { get; set; }
        public string? SourceRevision { get; set; }
    }

    /// <summary>Makes an image's SBOM (SPDX 2.3) and provenance (in-toto, SLSA v1) and attaches them to it as referrers.</summary>
    public static class ImageAttestations
    {
        public static List<Referrer>? Attach(BlobStore store, BuiltImage image, AttestationRequest request)
        {
            if (!request.Sbom && !request.Provenance) return null;
            var dependencies = !string.IsNullOrEmpty(request.AssetsFile) && File.Exists(request.AssetsFile)
                ? AssetsInventory.Read(request.AssetsFile!, request.TargetFramework, image.RuntimeIdentifier)
                : new InventoryEntry[0];
            var referrers = new List<Referrer>();
            if (request.Sbom)
            {
                var sbom = SpdxDocument.Create(new SbomInputs
                {
                    ImageName = request.ImageName,
                    ManifestDigest = image.Manifest.Digest,
                    AppName = request.AppName,
                    AppVersion = request.AppVersion,
                    Dependencies = dependencies,
                    Runtimes = request.Runtimes,
                    BaseName = image.BaseDigest != null ? BaseNameOf(image) : null,
                    BaseDigest = image.BaseDigest,
                    BasePackages = BaseSbom.PackagesOf(store, image.BaseDigest),
                    Created = request.Created,
                    ToolVersion = request.ToolVersion,
                });
                referrers.Add(Referrer.Attach(store, image.Manifest, SpdxDocument.MediaType, sbom, request.Created));
            }
            if (request.Provenance)
            {
                var provenance = ProvenanceStatement.Create(new ProvenanceInputs
                {
                    ImageName = request.ImageName,
                    ManifestDigest = image.Manifest.Digest,
                    ProjectFile = request.ProjectFile,
                    Configuration = request.Configuration,
                    RuntimeIdentifiers = request.RuntimeIdentifiers,
                    BaseName = image.BaseDigest != null ? BaseNameOf(image) : null,
                    BaseDigest = image.BaseDigest,
                    SdkVersion = request.SdkVersion,
                    ToolVersion = request.ToolVersion,
                    Dependencies = dependencies,
                    SourceRepository = request.SourceRepository,
                    SourceRevision = request.SourceRevision,
                });
                referrers.Add(Referrer.Attach(store, image.Manifest, ProvenanceStatement.MediaType, provenance, request.Created));
            }
            return referrers;
        }

        /// <summary>
        /// A registry base by its reference, in tag form when it has a tag (a lock pins "repo:tag@digest";
        /// the digest is recorded on its own). A local base has no name here: it is a path on this machine.
        /// </summary>
        private static string? BaseNameOf(BuiltImage image)
        {
            if (image.BaseSource == null || image.BaseName == null) return null;
            var name = image.BaseName;
            var at = name.IndexOf('@');
            return at > 0 && name.LastIndexOf(':', at) > name.LastIndexOf('/', at) ? name.Substring(0, at) : name;
        }
    }
}
