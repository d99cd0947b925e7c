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

        /// <summary>index.json lists the image once per tag, named the way skopeo (ref.name) and containerd/docker expect.</summary>
        public static LayoutContent For(BuiltImage image, ImageName name)
        {
            var content = new LayoutContent();
            var index = new ImageIndex { MediaType = MediaTypes.OciIndex };
            foreach (var tag in name.Tags)
            {
                var entry = image.Manifest.Clone();
                entry.Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
                {
                    [AnnotationKeys.RefName] = tag,
                    [ContainerdNameAnnotation] = name.CanonicalName + ":" + tag,
                };
                index.Manifests.Add(entry);
            }
            content.IndexJson = OciJson.ToBytes(index);
            content.BlobDigests.Add(image.Manifest.Digest);
            content.BlobDigests.Add(image.Config.Digest);
            foreach (var layer in image.Layers) content.BlobDigests.Add(layer.Digest);
            return content;
        }

        public static string BlobPath(string digest) => "blobs/sha256/" + Digest.Hex(digest);
    }
}
