using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.References;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Downloads a registry base's layers into the store, only when an output needs their bytes
    /// (layout, tarball, a push to another registry), in parallel, each verified before it is visible.
    /// </summary>
    public static class BaseLayerFetcher
    {
        /// <summary>The layers of <paramref name="image"/> that are not in the store yet.</summary>
        public static IReadOnlyList<Descriptor> Missing(BuiltImage image, BlobStore store) =>
            image.Layers.Where(l => !store.Contains(l.Digest)).GroupBy(l => l.Digest).Select(g => g.First()).ToList();

        /// <summary>The missing base layers of every platform of <paramref name="set"/>.</summary>
        public static bool AnyMissing(ImageSet set, BlobStore store) => set.Images.Any(i => Missing(i, store).Count > 0);

        /// <param name="policy">ContainerBaseImagePullPolicy: Never (offline) downloads nothing, so a lost base layer cannot be rebuilt.</param>
        /// <param name="progressInterval">How often a long download logs its progress (<see cref="TransferProgress.DefaultInterval"/>).</param>
        public static async Task<int> EnsureAsync(ImageSet set, BlobStore store, RegistryConnections connections, Action<string>? log, CancellationToken ct = default,
            PullPolicy policy = PullPolicy.Always, TimeSpan? progressInterval = null)
        {
            int fetched = 0;
            foreach (var image in set.Images) fetched += await EnsureAsync(image, store, connections, log, ct, policy, progressInterval).ConfigureAwait(false);
            return fetched;
        }

        public static async Task<int> EnsureAsync(BuiltImage image, BlobStore store, RegistryConnections connections, Action<string>? log, CancellationToken ct = default,
            PullPolicy policy = PullPolicy.Always, TimeSpan? progressInterval = null)
        {
            var missing = Missing(image, store);
            if (missing.Count == 0) return 0;
            if (image.BaseSource == null)
                throw new OciException(ErrorCodes.BlobCorrupt, $"Layers {string.Join(", ", missing.Select(m => m.Digest))} are missing from the blob store at {store.Root}; build again: the build rebuilds what the cache lost.");
            if (policy == PullPolicy.Never)
                throw new OciException(ErrorCodes.BlobCorrupt,
                    $"Base layers {string.Join(", ", missing.Select(m => m.Digest))} of {image.BaseSource} are missing from the blob store at {store.Root} (ContainerBlobCachePath) and cannot be rebuilt: ContainerBaseImagePullPolicy=Never forbids downloading them. Build once with ContainerBaseImagePullPolicy=IfNotPresent (or Always) and the registry reachable, which fills the cache again.");
            var source = SplitSource(image.BaseSource);
            var client = connections.Client(source.Registry, RegistryAccess.Pull);
            using var gate = new SemaphoreSlim(connections.Options.ParallelUploads);
            var tasks = missing.Select(async layer =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    log?.Invoke($"OciMsBuild: downloading base layer {layer.Digest} ({layer.Size:N0} bytes) from {image.BaseSource}");
                    await DownloadAsync(client, source.Repository, layer, store, log, progressInterval ?? TransferProgress.DefaultInterval, ct).ConfigureAwait(false);
                }
                finally { gate.Release(); }
            }).ToList();
            await Task.WhenAll(tasks).ConfigureAwait(false);
            return missing.Count;
        }

        /// <summary>
        /// Downloads one blob into the store (nothing when it is there), logging its progress at most once
        /// per <paramref name="progressInterval"/> and, when it was long or large, how long it took (see <see cref="TransferProgress"/>).
        /// </summary>
        public static async Task DownloadAsync(RegistryClient client, string repository, Descriptor blob, BlobStore store, Action<string>? log, TimeSpan progressInterval, CancellationToken ct)
        {
            var progress = TransferProgress.Download(blob.Digest, blob.Size, log, progressInterval, client.Session.Options.ChunkSize);
            await client.DownloadBlobAsync(repository, blob, store, progress.Report, ct).ConfigureAwait(false);
            progress.Finish();
        }

        /// <summary>'registry/repo/path' → (registry, repo/path).</summary>
        public static (string Registry, string Repository) SplitSource(string source)
        {
            var reference = ImageReference.Parse(source, "base source");
            return (reference.Registry, reference.Repository);
        }
    }
}
