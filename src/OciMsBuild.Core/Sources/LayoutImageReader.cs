using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Sources
{
    /// <summary>
    /// Reads a base image out of an OCI image layout directory (also an unpacked oci-archive):
    /// picks the tag or digest, then the platform, and imports the blobs into the store.
    /// </summary>
    public sealed class LayoutImageReader
    {
        private readonly string _dir;
        private readonly string _displayName;
        private readonly BlobStore _store;
        /// <summary>The archive an unpacked oci-archive came from: what messages name instead of the temp directory.</summary>
        private readonly string? _archivePath;

        public LayoutImageReader(string layoutDirectory, string displayName, BlobStore store, string? archivePath = null)
        {
            _dir = layoutDirectory;
            _displayName = displayName;
            _store = store;
            _archivePath = archivePath;
        }

        /// <summary>"the layout at 'DIR'" or "the archive 'FILE'".</summary>
        private string Where => _archivePath != null ? ArchiveExtractor.Describe(_archivePath) : $"the layout at '{_dir}'";

        public BaseImage Read(string? tag, string? digest, Platform platform)
        {
            var indexPath = Path.Combine(_dir, "index.json");
            if (!File.Exists(indexPath))
                throw new OciException(ErrorCodes.BaseNotFound, _archivePath != null
                    ? $"ContainerBaseImage '{_displayName}': {Where} is not an OCI archive (no index.json). Write one with 'skopeo copy … oci-archive:FILE:TAG'; for a 'docker save' tarball use docker-archive://."
                    : $"ContainerBaseImage '{_displayName}': '{_dir}' is not an OCI image layout (no index.json). Point it at a directory written by 'skopeo copy … oci:DIR:TAG', 'umoci' or OciMsBuild.");
            ImageIndex index;
            try { index = OciJson.Parse<ImageIndex>(File.ReadAllBytes(indexPath)); }
            catch (Newtonsoft.Json.JsonException e)
            {
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{_displayName}': index.json in {Where} is not valid JSON ({e.Message}).", e);
            }
            var top = ChooseTop(index, tag, digest);
            var (manifestDescriptor, manifest) = ResolveManifest(top, platform);

            var configBytes = ReadBlob(manifest.Config.Digest);
            var config = OciJson.ParseObject(configBytes);
            PlatformSelector.Check(PlatformOf(config), platform, _displayName);
            _store.Put(configBytes, manifest.Config.MediaType);

            var layers = new List<Descriptor>();
            foreach (var layer in manifest.Layers)
            {
                if (!File.Exists(BlobPath(layer.Digest))) throw MissingBlob("layer", layer.Digest);
                layers.Add(BaseLayerImporter.Import(_store, BlobPath(layer.Digest), layer, _displayName));
            }

            return new BaseImage { Name = _displayName, ManifestDigest = manifestDescriptor.Digest, Config = config, Layers = layers };
        }

        private Descriptor ChooseTop(ImageIndex index, string? tag, string? digest)
        {
            if (digest != null)
            {
                var byDigest = index.Manifests.FirstOrDefault(m => m.Digest == digest);
                if (byDigest != null) return byDigest;
                if (File.Exists(BlobPath(digest)))
                    return new Descriptor { Digest = digest, MediaType = ProbeMediaType(ReadBlob(digest)) };
                throw new OciException(ErrorCodes.BaseTagNotFound,
                    $"ContainerBaseImage '{_displayName}': {Where} has no manifest {digest}.");
            }
            var tags = index.Manifests
                .Select(m => m.Annotations != null && m.Annotations.TryGetValue(AnnotationKeys.RefName, out var t) ? t : null)
                .Where(t => t != null).Distinct().ToList();
            if (tag != null)
            {
                var byTag = index.Manifests.FirstOrDefault(m => m.Annotations != null && m.Annotations.TryGetValue(AnnotationKeys.RefName, out var t) && t == tag);
                if (byTag != null) return byTag;
                throw new OciException(ErrorCodes.BaseTagNotFound,
                    $"ContainerBaseImage '{_displayName}': {Where} has no tag '{tag}'. Tags there: {(tags.Count == 0 ? "none" : string.Join(", ", tags))}.");
            }
            // An SBOM or provenance record (an entry with an artifactType, as our own layouts have) is not an image.
            var images = index.Manifests.Where(m => string.IsNullOrEmpty(m.ArtifactType)).ToList();
            if (images.Count == 1) return images[0];
            var latest = images.FirstOrDefault(m => m.Annotations != null && m.Annotations.TryGetValue(AnnotationKeys.RefName, out var t) && t == "latest");
            if (latest != null) return latest;
            throw new OciException(ErrorCodes.BaseTagNotFound,
                $"ContainerBaseImage '{_displayName}': {Where} holds {images.Count} images; name one with ':TAG' or '@sha256:…'. Tags there: {(tags.Count == 0 ? "none" : string.Join(", ", tags))}.");
        }

        private (Descriptor, ImageManifest) ResolveManifest(Descriptor top, Platform platform)
        {
            var bytes = ReadBlob(top.Digest);
            var type = top.MediaType;
            if (string.IsNullOrEmpty(type)) type = ProbeMediaType(bytes);
            if (MediaTypes.IsIndex(type) || ProbeMediaType(bytes) == MediaTypes.OciIndex && !MediaTypes.IsManifest(type))
            {
                var nested = OciJson.Parse<ImageIndex>(bytes);
                var chosen = PlatformSelector.Select(nested, platform, _displayName);
                return ResolveManifest(chosen, platform);
            }
            var manifest = OciJson.Parse<ImageManifest>(bytes);
            if (manifest.Config == null || string.IsNullOrEmpty(manifest.Config.Digest))
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{_displayName}': manifest {top.Digest} has no config.");
            return (top, manifest);
        }

        internal static string ProbeMediaType(byte[] bytes)
        {
            var probe = OciJson.Parse<MediaTypeProbe>(bytes);
            if (!string.IsNullOrEmpty(probe.MediaType)) return probe.MediaType!;
            return probe.Manifests != null ? MediaTypes.OciIndex : MediaTypes.OciManifest;
        }

        internal static Platform? PlatformOf(JObject config)
        {
            var os = (string?)config["os"];
            var arch = (string?)config["architecture"];
            if (os == null || arch == null) return null;
            return new Platform(os, arch, (string?)config["variant"]);
        }

        private string BlobPath(string digest) => Path.Combine(_dir, "blobs", "sha256", Digest.Hex(digest));

        private byte[] ReadBlob(string digest)
        {
            var path = BlobPath(digest);
            if (!File.Exists(path)) throw MissingBlob("blob", digest);
            var bytes = File.ReadAllBytes(path);
            if (Digest.Of(bytes) != digest)
                throw new OciException(ErrorCodes.InvalidBaseContent,
                    $"ContainerBaseImage '{_displayName}': blob {digest} in {Where} does not match its digest (damaged {(_archivePath != null ? "or truncated archive" : "layout")}).");
            return bytes;
        }

        private OciException MissingBlob(string what, string digest) =>
            new OciException(ErrorCodes.InvalidBaseContent,
                $"ContainerBaseImage '{_displayName}': {what} {digest} is missing from {Where}{(_archivePath != null ? " (a truncated or incomplete archive?)" : "")}.");
    }
}
