using System;
using System.Collections.Generic;
using System.Linq;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// The files of an OCI image layout for a set of images: oci-layout, index.json and the
    /// digests of every blob. Layout directories and tarballs are both written from this.
    /// </summary>
    public sealed class LayoutContent
    {
        public const string OciLayoutFile = "{\"imageLayoutVersion\":\"1.0.0\"}";
        public const string ContainerdNameAnnotation = "io.containerd.image.name";

        public byte[] IndexJson { get; private set; } = Array.Empty<byte>();
        public SortedSet<string> BlobDigests { get; } = new SortedSet<string>(StringComparer.Ordinal);

        /// <summary>
        /// index.json lists the root (the image's manifest, or the image index of a multi-platform
        /// build) once per tag, named the way skopeo (ref.name) and containerd/docker expect.
        /// </summary>
        public static LayoutContent For(BuiltImage image, ImageName name) => For(ImageSet.Single(image), name);

        public static LayoutContent For(ImageSet set, ImageName name)
        {
            var content = new LayoutContent();
            var index = new ImageIndex { MediaType = MediaTypes.OciIndex };
            foreach (var tag in name.Tags)
            {
                var entry = set.Root.Clone();
                entry.Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [AnnotationKeys.RefName] = tag,
                    [ContainerdNameAnnotation] = name.CanonicalName + ":" + tag,
                };
                index.Manifests.Add(entry);
            }
            content.IndexJson = OciJson.ToBytes(index);
            content.BlobDigests.Add(set.Root.Digest);
            foreach (var blob in set.DistinctBlobs()) content.BlobDigests.Add(blob.Digest);
            return content;
        }

        public static string BlobPath(string digest) => "blobs/sha256/" + Digest.Hex(digest);
    }
}
