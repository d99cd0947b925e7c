using System;
using System.Collections.Generic;
using System.Linq;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Build
{
    /// <summary>
    /// Several platforms' images → one OCI image index (a Docker manifest list for the Docker
    /// format), stored as a blob. Entries keep the order of ContainerRuntimeIdentifiers.
    /// </summary>
    public static class IndexBuilder
    {
        public const string OciAnnotationPrefix = "org.opencontainers.image.";

        /// <param name="annotations">Index annotations (OCI format only: a Docker manifest list has none).</param>
        public static ImageSet Build(IReadOnlyList<BuiltImage> images, ImageFormat format, IDictionary<string, string>? annotations, BlobStore store)
        {
            if (images.Count == 0) throw new ArgumentException("An index needs at least one image.", nameof(images));
            var formatName = format == ImageFormat.Docker ? "Docker" : "OCI";
            var wrong = images.FirstOrDefault(i => i.Format != formatName);
            if (wrong != null)
                throw new OciException(ErrorCodes.InvalidImageFormat,
                    $"The image for {wrong.RuntimeIdentifier} was built as {wrong.Format}, the index as {formatName}; build again so every platform uses ContainerImageFormat={formatName}.");
            CheckDistinctPlatforms(images);

            var index = new ImageIndex { MediaType = format.IndexType() };
            foreach (var image in images)
            {
                var entry = new Descriptor
                {
                    MediaType = image.Manifest.MediaType,
                    Digest = image.Manifest.Digest,
                    Size = image.Manifest.Size,
                    Platform = CompletePlatform(image),
                };
                index.Manifests.Add(entry);
            }
            if (format == ImageFormat.Oci && annotations != null && annotations.Count > 0)
                index.Annotations = new SortedDictionary<string, string>(annotations.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);

            var root = store.Put(OciJson.ToBytes(index), index.MediaType!);
            return new ImageSet { Format = formatName, Root = root, Images = images.ToList() };
        }

        /// <summary>
        /// Two RIDs for one platform (linux-x64 and linux-musl-x64) cannot share an index: a client
        /// would pick one of them at random.
        /// </summary>
        public static void CheckDistinctPlatforms(IReadOnlyList<BuiltImage> images)
        {
            var clash = images.GroupBy(i => CompletePlatform(i).ToString()).FirstOrDefault(g => g.Count() > 1);
            if (clash != null)
                throw new OciException(ErrorCodes.DuplicatePlatform,
                    $"ContainerRuntimeIdentifiers has {string.Join(" and ", clash.Select(i => i.RuntimeIdentifier))}, which are both {clash.Key}: an image index holds one image per platform. Keep one of them, or build the other into its own repository or tag.");
        }

        /// <summary>The platform as the image's config says, with the variant the RID implies when the config has none (arm64 → v8, arm → v7).</summary>
        private static Platform CompletePlatform(BuiltImage image)
        {
            var p = image.Platform;
            if (!string.IsNullOrEmpty(p.Variant) || string.IsNullOrEmpty(image.RuntimeIdentifier)) return p;
            var fromRid = Platforms.RuntimeIdentifiers.ToPlatform(image.RuntimeIdentifier);
            return fromRid.Architecture == p.Architecture && fromRid.Variant != null ? new Platform(p.Os, p.Architecture, fromRid.Variant) : p;
        }
    }
}
