using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Registry
{
    /// <summary>How one blob got into the target repository.</summary>
    public enum BlobOutcome { Present, Mounted, Uploaded }

    /// <summary>
    /// Puts one blob into one repository as cheaply as the registry allows: HEAD (already there),
    /// else a cross-repository mount from where it was last seen in this registry (the
    /// <see cref="PushedBlobs"/> record) or from the base image's repository, else an upload (into
    /// the session a refused mount opened, when it opened one). Every way the blob is found or put
    /// there is recorded, so the next push to another repository can mount it.
    /// </summary>
    public sealed class BlobPusher
    {
        private readonly RegistryConnections _connections;
        private readonly BlobStore _store;
        private readonly PushedBlobs _pushed;
        private readonly Action<string>? _log;
        private readonly TimeSpan _progressInterval;

        public BlobPusher(RegistryConnections connections, BlobStore store, PushedBlobs pushed, Action<string>? log, TimeSpan progressInterval)
        {
            _connections = connections;
            _store = store;
            _pushed = pushed;
            _log = log;
            _progressInterval = progressInterval;
        }

        public async Task<BlobOutcome> PushAsync(RegistryClient client, string repository, Descriptor blob, BuiltImage image, bool isBaseLayer, CancellationToken ct)
        {
            // One build sends a given blob to a registry at a time: the services of a solution built
            // with -m push the same runtime layer to their repositories at once. The others wait, then
            // mount it from the repository the first one recorded (or find it there).
            // A blob already there (most of them, on a rebuild) needs no lock.
            if (await client.BlobExistsAsync(repository, blob.Digest, ct).ConfigureAwait(false))
            {
                _pushed.Remember(client.Registry, repository, blob.Digest);
                return BlobOutcome.Present;
            }
            using var held = await StoreLock.AcquireAsync(_store, "push " + client.Registry + " " + blob.Digest, StoreLock.DefaultWait, ct).ConfigureAwait(false);
            // Had to wait: another build was sending it, so ask again (it is there now, or can be mounted).
            bool askAgain = held == null || held.Waited > TimeSpan.Zero;
            return await PushMissingAsync(client, repository, blob, image, isBaseLayer, askAgain, ct).ConfigureAwait(false);
        }

        private async Task<BlobOutcome> PushMissingAsync(RegistryClient client, string repository, Descriptor blob, BuiltImage image, bool isBaseLayer, bool askAgain, CancellationToken ct)
        {
            var registry = client.Registry;
            if (askAgain && await client.BlobExistsAsync(repository, blob.Digest, ct).ConfigureAwait(false))
            {
                _pushed.Remember(registry, repository, blob.Digest);
                return BlobOutcome.Present;
            }
            Uri? openedSession = null;
            var sources = MountSources(registry, repository, blob.Digest, image, isBaseLayer);
            for (int i = 0; i < sources.Count; i++)
            {
                // Only the last try keeps a 202's upload session: an earlier one is closed before the next mount.
                var attempt = await client.TryMountAsync(repository, blob.Digest, sources[i], keepUploadSession: i == sources.Count - 1, ct).ConfigureAwait(false);
                if (attempt.Mounted)
                {
                    _log?.Invoke($"OciMsBuild: mounted {blob.Digest} from {sources[i]}");
                    _pushed.Remember(registry, repository, blob.Digest);
                    return BlobOutcome.Mounted;
                }
                openedSession = attempt.UploadLocation;
            }
            try
            {
                await UploadAsync(client, repository, blob, image, openedSession, ct).ConfigureAwait(false);
            }
            catch when (openedSession != null)
            {
                // The upload never used (or gave up on) the session the mount opened: close it.
                await client.CancelUploadAsync(repository, openedSession, ct).ConfigureAwait(false);
                throw;
            }
            _pushed.Remember(registry, repository, blob.Digest);
            return BlobOutcome.Uploaded;
        }

        /// <summary>
        /// Repositories of the target registry to mount from, best first: where the blob was last seen,
        /// then, for a base layer, the base's own repository. Never the target itself.
        /// </summary>
        private List<string> MountSources(string registry, string repository, string digest, BuiltImage image, bool isBaseLayer)
        {
            var sources = new List<string>();
            var remembered = _pushed.RepositoryOf(registry, digest);
            if (remembered != null && remembered != repository) sources.Add(remembered);
            if (isBaseLayer && image.BaseSource != null)
            {
                var (baseRegistry, baseRepository) = BaseLayerFetcher.SplitSource(image.BaseSource);
                if (string.Equals(baseRegistry, registry, StringComparison.OrdinalIgnoreCase) && baseRepository != repository && !sources.Contains(baseRepository))
                    sources.Add(baseRepository);
            }
            return sources;
        }

        private async Task UploadAsync(RegistryClient client, string repository, Descriptor blob, BuiltImage image, Uri? openedSession, CancellationToken ct)
        {
            if (!_store.Contains(blob.Digest))
            {
                // A base layer never needed locally until now: fetch it from the base's registry.
                var (baseRegistry, baseRepository) = BaseLayerFetcher.SplitSource(image.BaseSource ?? throw new Errors.OciException(Errors.ErrorCodes.BlobCorrupt, $"Blob {blob.Digest} is missing from the blob store at {_store.Root}; build again."));
                await BaseLayerFetcher.DownloadAsync(_connections.Client(baseRegistry, RegistryAccess.Pull), baseRepository, blob, _store, _log, _progressInterval, ct).ConfigureAwait(false);
            }
            // Never send damaged bytes: the registry would refuse them (DIGEST_INVALID) on every build.
            // A damaged blob is removed here (OCI3001), and the next build's cache check rebuilds it.
            _store.Verify(blob.Digest);
            var progress = TransferProgress.Upload(blob.Digest, blob.Size, _log, _progressInterval, _connections.Options.ChunkSize);
            await client.UploadBlobAsync(repository, blob, () => File.OpenRead(_store.PathOf(blob.Digest)), progress.Report, openedSession, ct).ConfigureAwait(false);
            progress.Finish();
        }
    }
}
