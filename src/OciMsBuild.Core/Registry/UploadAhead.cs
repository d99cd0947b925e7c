using System;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Puts one layer blob into the push's repository before the image exists (a layer packed
    /// early, while the project compiles), the way the push would: HEAD, mount, else upload, and
    /// remembered in <see cref="PushedBlobs"/>. The push then finds it there with a HEAD. Skipped
    /// when a tag of the push already exists: that repository most likely has the layer (a rebuild
    /// on a clean CI runner), and the push's own checks are then cheaper than a guess.
    /// </summary>
    public static class UploadAhead
    {
        /// <returns>How the blob got there, or null when it was not tried (a tag exists).</returns>
        public static async Task<BlobOutcome?> PushAsync(RegistryConnections connections, BlobStore store, string registry, string repository,
            string[] tags, Descriptor blob, CancellationToken ct)
        {
            var client = connections.Client(registry, RegistryAccess.Push);
            if (await StreamingUpload.AnyTagExistsAsync(client, repository, tags, ct).ConfigureAwait(false)) return null;
            var pusher = new BlobPusher(connections, store, new PushedBlobs(store), null, TransferProgress.DefaultInterval);
            // Not a base layer: the (empty) image is only read for a base layer's source.
            return await pusher.PushAsync(client, repository, blob, new BuiltImage(), isBaseLayer: false, ct).ConfigureAwait(false);
        }
    }
}
