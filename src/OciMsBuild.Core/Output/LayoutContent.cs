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

        /// <param name="withReferrers">
        /// Add each image's SBOM and provenance (untagged entries with an artifactType, as oras writes
        /// them): for the layout directory. Tarballs leave them out: `podman load` takes an index with
        /// more than one untagged manifest for several images.
        /// </param>
        public static LayoutContent For(ImageSet set, ImageName name, bool withReferrers = false)
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
            if (withReferrers)
                foreach (var referrer in set.Images.SelectMany(i => i.Referrers ?? new List<SupplyChain.Referrer>()))
                {
                    index.Manifests.Add(referrer.Manifest.Clone());
                    content.BlobDigests.Add(referrer.Manifest.Digest);
                    foreach (var blob in referrer.Blobs) content.BlobDigests.Add(blob.Digest);
                }
            content.IndexJson = OciJson.ToBytes(index);
            content.BlobDigests.Add(set.Root.Digest);
            foreach (var blob in set.DistinctBlobs()) content.BlobDigests.Add(blob.Digest);
            return content;
        }

        public static string BlobPath(string digest) => "blobs/sha256/" + Digest.Hex(digest);
    }
}
