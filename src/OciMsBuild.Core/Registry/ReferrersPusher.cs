using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.SupplyChain;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Pushes an image's SBOM and provenance as its referrers: their blobs, then each artifact
    /// manifest by digest. A registry with the referrers API (distribution-spec 1.1) answers with
    /// OCI-Subject and lists them itself; for one without it, the referrers tag schema: an index
    /// tagged sha256-&lt;hex of the image manifest&gt; listing them (merged with what it already lists).
    /// </summary>
    public static class ReferrersPusher
    {
        public static async Task PushAsync(RegistryClient client, BlobPusher blobs, BlobStore store, string repository, BuiltImage image, PushResult result, CancellationToken ct)
        {
            if (image.Referrers == null || image.Referrers.Count == 0) return;
            var unlisted = new System.Collections.Generic.List<Descriptor>();
            foreach (var referrer in image.Referrers)
            {
                foreach (var blob in referrer.Blobs)
                {
                    var outcome = await blobs.PushAsync(client, repository, blob, image, false, ct).ConfigureAwait(false);
                    if (outcome == BlobOutcome.Present) result.BlobsPresent++;
                    else if (outcome == BlobOutcome.Mounted) result.BlobsMounted++;
                    else { result.BlobsUploaded++; result.BytesUploaded += blob.Size; }
                }
                var listed = await client.PutReferrerManifestAsync(repository, referrer.Manifest.Digest, store.ReadVerified(referrer.Manifest.Digest), referrer.Manifest.MediaType, ct).ConfigureAwait(false);
                if (!listed) unlisted.Add(referrer.Manifest);
            }
            result.ReferrersPushed += image.Referrers.Count;
            if (unlisted.Count == 0) return;

            var tag = Referrer.FallbackTag(image.Manifest.Digest);
            ImageIndex index;
            if (await client.HeadManifestAsync(repository, tag, ct).ConfigureAwait(false) != null)
                index = OciJson.Parse<ImageIndex>((await client.GetManifestAsync(repository, tag, ct).ConfigureAwait(false)).Bytes);
            else
                index = new ImageIndex { MediaType = MediaTypes.OciIndex };
            var changed = false;
            foreach (var manifest in unlisted)
            {
                if (index.Manifests.Any(m => string.Equals(m.Digest, manifest.Digest, StringComparison.Ordinal))) continue;
                index.Manifests.Add(manifest.Clone());
                changed = true;
            }
            if (changed)
                await client.PutManifestAsync(repository, tag, OciJson.ToBytes(index), MediaTypes.OciIndex, ct).ConfigureAwait(false);
        }
    }
}
