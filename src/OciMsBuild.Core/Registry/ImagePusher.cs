using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Registry
{
    /// <summary>What a push did, for the log, the summary and tests.</summary>
    public sealed class PushResult
    {
        public string Name { get; set; } = "";
        public string ManifestDigest { get; set; } = "";
        public bool AlreadyUpToDate { get; set; }
        public int BlobsUploaded { get; set; }
        public long BytesUploaded { get; set; }
        public int BlobsMounted { get; set; }
        public int BlobsPresent { get; set; }
        public int Requests { get; set; }
        public int Retries { get; set; }
    }

    /// <summary>
    /// Pushes one image or an image index: blobs first (HEAD, then mount from the base's repository when it lives in
    /// the same registry, else upload, several at once), then the manifest under each tag. A tag is
    /// only written once every blob is in place, so it never points at an incomplete image.
    /// </summary>
    public sealed class ImagePusher
    {
        private readonly RegistryConnections _connections;
        private readonly BlobStore _store;
        private readonly Action<string>? _log;
        private readonly TimeSpan _progressInterval;

        public ImagePusher(RegistryConnections connections, BlobStore store, Action<string>? log = null, TimeSpan? progressInterval = null)
        {
            _connections = connections;
            _store = store;
            _log = log;
            _progressInterval = progressInterval ?? TimeSpan.FromSeconds(3);
        }

        public Task<PushResult> PushAsync(BuiltImage image, string registry, string repository, IReadOnlyList<string> tags, CancellationToken ct = default) =>
            PushAsync(ImageSet.Single(image), registry, repository, tags, ct);

        /// <summary>
        /// For an index: every blob of every platform (each once), then each platform's manifest by
        /// digest, then the index under each tag. No per-platform tags are made.
        /// </summary>
        public async Task<PushResult> PushAsync(ImageSet set, string registry, string repository, IReadOnlyList<string> tags, CancellationToken ct = default)
        {
            var client = _connections.Client(registry, RegistryAccess.Push);
            var session = client.Session;
            int requestsBefore = session.RequestCount, retriesBefore = session.Retry.RetriesMade;
            var result = new PushResult { Name = $"{registry}/{repository}", ManifestDigest = set.Root.Digest };

            // Cheapest no-change path: every tag already names this exact manifest or index.
            var current = new List<string?>();
            foreach (var tag in tags) current.Add(await client.HeadManifestAsync(repository, tag, ct).ConfigureAwait(false));
            if (tags.Count > 0 && current.All(d => d == set.Root.Digest))
            {
                result.AlreadyUpToDate = true;
                Finish(result, session, requestsBefore, retriesBefore);
                return result;
            }

            // Config and layers of every platform, a layer shared between platforms only once.
            var owners = new Dictionary<string, (Descriptor Blob, BuiltImage Image, bool IsBase)>(StringComparer.Ordinal);
            foreach (var image in set.Images)
            {
                if (!owners.ContainsKey(image.Config.Digest)) owners[image.Config.Digest] = (image.Config, image, false);
                for (int i = 0; i < image.Layers.Count; i++)
                {
                    var layer = image.Layers[i];
                    if (!owners.ContainsKey(layer.Digest)) owners[layer.Digest] = (layer, image, i < image.LayerKinds.Count && image.LayerKinds[i] == "base");
                }
            }
            using var gate = new SemaphoreSlim(_connections.Options.ParallelUploads);
            var counts = new object();
            var work = owners.Values.Select(async owner =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    var mountFrom = owner.IsBase ? MountSource(owner.Image, registry, repository) : null;
                    var outcome = await PushBlobAsync(client, repository, owner.Blob, mountFrom, owner.Image, ct).ConfigureAwait(false);
                    lock (counts)
                    {
                        if (outcome == BlobOutcome.Present) result.BlobsPresent++;
                        else if (outcome == BlobOutcome.Mounted) result.BlobsMounted++;
                        else { result.BlobsUploaded++; result.BytesUploaded += owner.Blob.Size; }
                    }
                }
                finally { gate.Release(); }
            }).ToList();
            await Task.WhenAll(work).ConfigureAwait(false);

            // An index may only name manifests the registry has: the platforms go first, by digest.
            if (set.IsIndex)
                foreach (var image in set.Images)
                    await client.PutManifestAsync(repository, image.Manifest.Digest, _store.ReadVerified(image.Manifest.Digest), image.Manifest.MediaType, ct).ConfigureAwait(false);

            var rootBytes = _store.ReadVerified(set.Root.Digest);
            foreach (var tag in tags)
                await client.PutManifestAsync(repository, tag, rootBytes, set.Root.MediaType, ct).ConfigureAwait(false);
            if (tags.Count == 0)
                await client.PutManifestAsync(repository, set.Root.Digest, rootBytes, set.Root.MediaType, ct).ConfigureAwait(false);
            Finish(result, session, requestsBefore, retriesBefore);
            return result;
        }

        private static void Finish(PushResult result, RegistrySession session, int requestsBefore, int retriesBefore)
        {
            result.Requests = session.RequestCount - requestsBefore;
            result.Retries = session.Retry.RetriesMade - retriesBefore;
        }

        /// <summary>The base's repository when it lives in the target registry (not the target itself).</summary>
        private static string? MountSource(BuiltImage image, string registry, string repository)
        {
            if (image.BaseSource == null) return null;
            var (baseRegistry, baseRepository) = BaseLayerFetcher.SplitSource(image.BaseSource);
            return string.Equals(baseRegistry, registry, StringComparison.OrdinalIgnoreCase) && baseRepository != repository ? baseRepository : null;
        }

        private enum BlobOutcome { Present, Mounted, Uploaded }

        private async Task<BlobOutcome> PushBlobAsync(RegistryClient client, string repository, Descriptor blob, string? mountFrom, BuiltImage image, CancellationToken ct)
        {
            if (await client.BlobExistsAsync(repository, blob.Digest, ct).ConfigureAwait(false))
                return BlobOutcome.Present;
            if (mountFrom != null && await client.TryMountAsync(repository, blob.Digest, mountFrom, ct).ConfigureAwait(false))
            {
                _log?.Invoke($"OciMsBuild: mounted {blob.Digest} from {mountFrom}");
                return BlobOutcome.Mounted;
            }
            if (!_store.Contains(blob.Digest))
            {
                // A base layer never needed locally until now: fetch it from the base's registry.
                var (baseRegistry, baseRepository) = BaseLayerFetcher.SplitSource(image.BaseSource ?? throw new Errors.OciException(Errors.ErrorCodes.BlobCorrupt, $"Blob {blob.Digest} is missing from the blob store at {_store.Root}; build again."));
                await _connections.Client(baseRegistry, RegistryAccess.Pull).DownloadBlobAsync(baseRepository, blob, _store, ct).ConfigureAwait(false);
            }
            // Never send damaged bytes: the registry would refuse them (DIGEST_INVALID) on every build.
            // A damaged blob is removed here (OCI3001), and the next build's cache check rebuilds it.
            _store.Verify(blob.Digest);
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            await client.UploadBlobAsync(repository, blob, () => File.OpenRead(_store.PathOf(blob.Digest)), done =>
            {
                if (clock.Elapsed - lastReport < _progressInterval || done >= blob.Size) return;
                lastReport = clock.Elapsed;
                _log?.Invoke($"OciMsBuild: uploading {blob.Digest.Substring(0, 19)} {Megabytes(done)}/{Megabytes(blob.Size)} MB");
            }, ct).ConfigureAwait(false);
            if (clock.Elapsed >= _progressInterval || blob.Size >= _connections.Options.ChunkSize)
                _log?.Invoke($"OciMsBuild: uploaded {blob.Digest.Substring(0, 19)} {Megabytes(blob.Size)} MB in {clock.Elapsed.TotalSeconds:0.0} s");
            return BlobOutcome.Uploaded;
        }

        private static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
    }
}
