using System;
using System.Collections.Generic;
using System.Text;
using Newtonsoft.Json;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>An artifact attached to an image (its subject): the artifact manifest and the blobs it names.</summary>
    public sealed class Referrer
    {
        /// <summary>The artifact manifest, with its artifactType (what the registry's referrers list shows).</summary>
        [JsonProperty("manifest", Order = 1)] public Descriptor Manifest { get; set; } = new Descriptor();
        /// <summary>The empty config and the payload: what a layout holds and a push uploads.</summary>
        [JsonProperty("blobs", Order = 2)] public List<Descriptor> Blobs { get; set; } = new List<Descriptor>();

        private static readonly byte[] EmptyJson = Encoding.UTF8.GetBytes("{}");

        /// <summary>
        /// Stores <paramref name="payload"/> and an OCI 1.1 artifact manifest whose subject is
        /// <paramref name="subject"/> (the image manifest): how registries and tools (oras, cosign,
        /// docker buildx imagetools) find an image's SBOM and provenance. Deterministic: no clock.
        /// </summary>
        public static Referrer Attach(BlobStore store, Descriptor subject, string artifactType, byte[] payload, DateTimeOffset created)
        {
            var empty = store.Put(EmptyJson, MediaTypes.OciEmpty);
            var config = new Descriptor { MediaType = MediaTypes.OciEmpty, Digest = empty.Digest, Size = empty.Size, Data = Convert.ToBase64String(EmptyJson) };
            var layer = store.Put(payload, artifactType);
            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                ArtifactType = artifactType,
                Config = config,
                Layers = new List<Descriptor> { new Descriptor { MediaType = artifactType, Digest = layer.Digest, Size = layer.Size } },
                Subject = new Descriptor { MediaType = subject.MediaType, Digest = subject.Digest, Size = subject.Size },
                Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [AnnotationKeys.Created] = Build.SourceDateEpoch.Format(created),
                },
            };
            var stored = store.Put(OciJson.ToBytes(manifest), MediaTypes.OciManifest);
            return new Referrer
            {
                Manifest = new Descriptor
                {
                    MediaType = MediaTypes.OciManifest, Digest = stored.Digest, Size = stored.Size, ArtifactType = artifactType,
                    Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.Created] = Build.SourceDateEpoch.Format(created) },
                },
                Blobs = new List<Descriptor> { new Descriptor { MediaType = MediaTypes.OciEmpty, Digest = empty.Digest, Size = empty.Size }, new Descriptor { MediaType = artifactType, Digest = layer.Digest, Size = layer.Size } },
            };
        }

        /// <summary>The referrers tag of a digest (distribution-spec's fallback for registries without the referrers API): sha256-&lt;hex&gt;.</summary>
        public static string FallbackTag(string digest) => digest.Replace(':', '-');
    }
}
