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
        /// <summary>Every tag already named this digest: nothing was sent.</summary>
        public bool AlreadyUpToDate { get; set; }
        /// <summary>The repository already had the manifest (or index) by digest: no blob or manifest was sent, only tags.</summary>
        public bool ManifestPresent { get; set; }
        /// <summary>Tags (re)pointed at the digest.</summary>
        public int TagsApplied { get; set; }
        public int BlobsUploaded { get; set; }
        public long BytesUploaded { get; set; }
        public int BlobsMounted { get; set; }
        public int BlobsPresent { get; set; }
        public int Requests { get; set; }
        public int Retries { get; set; }
        /// <summary>SBOM and provenance manifests pushed as referrers of the image(s).</summary>
        public int ReferrersPushed { get; set; }
        /// <summary>Why the SBOM and provenance could not be attached (the image itself was pushed), if they could not.</summary>
        public string? AttestationFailure { get; set; }
    }

    /// <summary>
    /// Pushes one image or an image index, asking the registry before sending anything: tags that
    /// already name the image need nothing; a manifest (or index) the repository already has by
    /// digest is not sent again, only the missing tags are applied (a clean CI runner rebuilding a
    /// pushed image uploads nothing); otherwise the blobs go first (see <see cref="BlobPusher"/>:
    /// HEAD, mount, upload, several at once), then each platform manifest the repository lacks, then
    /// the manifest or index under each tag. A tag is only written once everything it names is in
    /// place, so it never points at an incomplete image.
    /// </summary>
    public sealed class ImagePusher
    {
        private readonly RegistryConnections _connections;
        private readonly BlobStore _store;
        private readonly PushedBlobs _pushed;
        private readonly BlobPusher _blobs;

        public ImagePusher(RegistryConnections connections, BlobStore store, Action<string>? log = null, TimeSpan? progressInterval = null)
        {
            _connections = connections;
            _store = store;
            _pushed = new PushedBlobs(store);
            _blobs = new BlobPusher(connections, store, _pushed, log, progressInterval ?? TransferProgress.DefaultInterval);
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
            var staleTags = new List<string>();
            foreach (var tag in tags)
                if (await client.HeadManifestAsync(repository, tag, ct).ConfigureAwait(false) != set.Root.Digest) staleTags.Add(tag);
            // A tag naming the root proves the repository has it; else ask by digest.
            bool rootPresent = staleTags.Count < tags.Count
                || await client.HeadManifestAsync(repository, set.Root.Digest, ct).ConfigureAwait(false) == set.Root.Digest;
            if (rootPresent)
            {
                // The registry accepted this manifest, so the repository holds every blob it names.
                RememberAll(set, registry, repository);
                result.AlreadyUpToDate = staleTags.Count == 0;
                result.ManifestPresent = true;
            }
            else
            {
                var outcomes = await PushBlobsAsync(client, set, repository, result, ct).ConfigureAwait(false);
                // An index may only name manifests the registry has: the platforms go first, by digest.
                if (set.IsIndex)
                    foreach (var image in set.Images)
                        if (!await PlatformManifestPresentAsync(client, repository, image, outcomes, ct).ConfigureAwait(false))
                            await client.PutManifestAsync(repository, image.Manifest.Digest, _store.ReadVerified(image.Manifest.Digest), image.Manifest.MediaType, ct).ConfigureAwait(false);
                // SBOM and provenance before any tag names the image, so a tagged image has its
                // attestations (a registry takes a referrer before its subject).
                foreach (var image in set.Images)
                {
                    // Best effort: a registry that refuses OCI artifacts, or an immutable referrers tag,
                    // must not cost the image its push. The task reports what was left out.
                    try { await ReferrersPusher.PushAsync(client, _blobs, _store, repository, image, result, ct).ConfigureAwait(false); }
                    catch (Exception e) when (!(e is OperationCanceledException))
                    {
                        result.AttestationFailure ??= e.Message;
                    }
                }
                if (tags.Count == 0)
                    await client.PutManifestAsync(repository, set.Root.Digest, _store.ReadVerified(set.Root.Digest), set.Root.MediaType, ct).ConfigureAwait(false);
            }

            // Tagging is a manifest PUT by tag: the registry stores no new content for a known digest.
            if (staleTags.Count > 0)
            {
                var rootBytes = _store.ReadVerified(set.Root.Digest);
                foreach (var tag in staleTags)
                    await client.PutManifestAsync(repository, tag, rootBytes, set.Root.MediaType, ct).ConfigureAwait(false);
            }
            result.TagsApplied = staleTags.Count;
            Finish(result, session, requestsBefore, retriesBefore);
            return result;
        }

        /// <summary>Config and layers of every platform, a blob shared between platforms only once.</summary>
        private async Task<Dictionary<string, BlobOutcome>> PushBlobsAsync(RegistryClient client, ImageSet set, string repository, PushResult result, CancellationToken ct)
        {
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
            var outcomes = new Dictionary<string, BlobOutcome>(StringComparer.Ordinal);
            using var gate = new SemaphoreSlim(_connections.Options.ParallelUploads);
            var work = owners.Values.Select(async owner =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    var outcome = await _blobs.PushAsync(client, repository, owner.Blob, owner.Image, owner.IsBase, ct).ConfigureAwait(false);
                    lock (outcomes)
                    {
                        outcomes[owner.Blob.Digest] = outcome;
                        if (outcome == BlobOutcome.Present) result.BlobsPresent++;
                        else if (outcome == BlobOutcome.Mounted) result.BlobsMounted++;
                        else { result.BlobsUploaded++; result.BytesUploaded += owner.Blob.Size; }
                    }
                }
                finally { gate.Release(); }
            }).ToList();
            await Task.WhenAll(work).ConfigureAwait(false);
            return outcomes;
        }

        /// <summary>
        /// Whether the repository already has a platform's manifest. Only asked when every blob it names
        /// was already there: a blob that had to be mounted or uploaded proves the manifest is new.
        /// </summary>
        private static async Task<bool> PlatformManifestPresentAsync(RegistryClient client, string repository, BuiltImage image, Dictionary<string, BlobOutcome> outcomes, CancellationToken ct)
        {
            var blobs = new[] { image.Config }.Concat(image.Layers);
            if (blobs.Any(b => !outcomes.TryGetValue(b.Digest, out var o) || o != BlobOutcome.Present)) return false;
            return await client.HeadManifestAsync(repository, image.Manifest.Digest, ct).ConfigureAwait(false) == image.Manifest.Digest;
        }

        private void RememberAll(ImageSet set, string registry, string repository)
        {
            var blobs = set.Images.SelectMany(i => new[] { i.Config }.Concat(i.Layers)).Select(b => b.Digest).Distinct(StringComparer.Ordinal);
            foreach (var digest in blobs) _pushed.Remember(registry, repository, digest);
        }

        private static void Finish(PushResult result, RegistrySession session, int requestsBefore, int retriesBefore)
        {
            result.Requests = session.RequestCount - requestsBefore;
            result.Retries = session.Retry.RetriesMade - retriesBefore;
        }
    }
}
