using System;
using System.Threading.Tasks;
using System.Linq;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.LayerCache
{
    /// <summary>Where a project's layer record came from in this build.</summary>
    public enum LayerSource
    {
        /// <summary>The project's own record in obj/ still matches (nothing hashed, nothing packed).</summary>
        UpToDate,
        /// <summary>Another build (any project) packed the same content: reused through the layer index.</summary>
        SharedCache,
        Packed,
    }

    /// <summary>What producing one layer did, for the log.</summary>
    public sealed class LayerOutcome
    {
        public LayerOutcome(LayerRecord record, LayerSource source, LayerLookup lookup, bool indexed, TimeSpan elapsed, long bytesStreamed = 0)
        {
            BytesStreamed = bytesStreamed;
            Record = record;
            Source = source;
            Lookup = lookup;
            Indexed = indexed;
            Elapsed = elapsed;
        }

        public LayerRecord Record { get; }
        public LayerSource Source { get; }
        /// <summary>What the layer index said (meaningless for <see cref="LayerSource.UpToDate"/>).</summary>
        public LayerLookup Lookup { get; }
        /// <summary>For a packed layer: whether its entry was added to the layer index.</summary>
        public bool Indexed { get; }
        public TimeSpan Elapsed { get; }
        /// <summary>Bytes uploaded to the registry while the layer was packed (0: not streamed, or the stream gave up).</summary>
        public long BytesStreamed { get; }
    }

    /// <summary>
    /// Produces a project's layer record from its plan, cheapest way first: the project's own
    /// record when its fingerprint (plan + each file's size and mtime) still matches; else the
    /// shared layer index, by content key (plan + each file's sha256), when another build of any
    /// project packed the same content; else packing it, and indexing it for the next project.
    /// </summary>
    public sealed class SharedLayerPacker
    {
        private readonly BlobStore _store;
        private readonly LayerIndex _index;
        private readonly FileHashCache _hashes;

        public SharedLayerPacker(BlobStore store, LayerIndex index, FileHashCache hashes)
        {
            _store = store;
            _index = index;
            _hashes = hashes;
        }

        /// <summary>Layers whose files add up to less than this are not streamed: the push sends them in one request anyway.</summary>
        public const long StreamingThreshold = 16L << 20;

        /// <summary>
        /// The layer of <paramref name="plan"/>; writes the project's record to <paramref name="recordPath"/>
        /// (atomically) unless it was up to date.
        /// </summary>
        /// <param name="startUpload">When pushing: opens an upload the compressed bytes stream into while the layer is packed.</param>
        public LayerOutcome Produce(LayerPlan plan, string recordPath, CancellationToken cancellation = default, int compressionThreads = 0,
            Func<StreamingUpload?>? startUpload = null)
        {
            var clock = Stopwatch.StartNew();
            var fingerprint = LayerPacker.Fingerprint(plan);
            var existing = ReadRecord(recordPath);
            if (existing != null && existing.Fingerprint == fingerprint && _store.Contains(existing.Digest))
                return new LayerOutcome(existing, LayerSource.UpToDate, LayerLookup.Hit, false, clock.Elapsed);

            var outcome = ProduceShared(plan, fingerprint, clock, cancellation, compressionThreads, startUpload);
            AtomicFile.WriteAllText(recordPath, OciJson.ToText(outcome.Record));
            return outcome;
        }

        /// <summary>
        /// Puts the layer of <paramref name="plan"/> in the shared layer cache (packing it unless some
        /// build already did) without writing any project's record: an early, speculative pack whose
        /// only use is that the project's own <see cref="Produce"/> finds it there by content.
        /// </summary>
        public LayerOutcome Warm(LayerPlan plan, CancellationToken cancellation = default, int compressionThreads = 0) =>
            ProduceShared(plan, LayerPacker.Fingerprint(plan), Stopwatch.StartNew(), cancellation, compressionThreads, null);

        private LayerOutcome ProduceShared(LayerPlan plan, string fingerprint, Stopwatch clock, CancellationToken cancellation, int compressionThreads,
            Func<StreamingUpload?>? startUpload)
        {
            // Hashed on every core at once: on a cold build this read comes on top of packing.
            var hashed = new ConcurrentDictionary<string, (string Digest, FileStamp Stamp)>(StringComparer.Ordinal);
            var sources = plan.Entries.Where(e => e.SourcePath != null).Select(e => e.SourcePath!).Distinct(StringComparer.Ordinal).ToArray();
            Parallel.ForEach(sources, new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount },
                path => hashed[path] = _hashes.HashOf(path));
            var stamps = hashed.ToDictionary(h => h.Key, h => h.Value.Stamp, StringComparer.Ordinal);
            var key = LayerContentKey.Of(plan, path =>
            {
                var (digest, stamp) = hashed.TryGetValue(path, out var known) ? known : _hashes.HashOf(path);
                return (digest, stamp.Size);
            });

            var lookup = _index.Find(key, out var entry);
            if (lookup == LayerLookup.Hit && entry != null)
                return new LayerOutcome(entry.ToRecord(plan.Kind, fingerprint), LayerSource.SharedCache, lookup, true, clock.Elapsed);

            // One build packs a given content at a time: the services of a solution built with -m
            // (or two builds at once) pack the same runtime layer; the others wait and reuse it.
            using var held = StoreLock.Acquire(_store, "layer " + key, StoreLock.DefaultWait, cancellation);
            if (held != null && _index.Find(key, out var packedMeanwhile) == LayerLookup.Hit && packedMeanwhile != null)
                return new LayerOutcome(packedMeanwhile.ToRecord(plan.Kind, fingerprint), LayerSource.SharedCache, LayerLookup.Hit, true, clock.Elapsed);

            var packStarted = DateTime.UtcNow;
            var upload = startUpload != null && stamps.Values.Sum(s => s.Size) >= StreamingThreshold ? startUpload() : null;
            LayerRecord record;
            long streamed = 0;
            try
            {
                record = LayerPacker.Pack(plan, _store, cancellation, compressionThreads, upload, fingerprint);
                if (upload != null && upload.Complete(record.Digest))
                {
                    streamed = upload.BytesSent;
                    // So that another service's push mounts it rather than uploading it again.
                    new Registry.PushedBlobs(_store).Remember(upload.Registry, upload.Repository, record.Digest);
                }
            }
            finally { upload?.Dispose(); }
            // The key describes the files as they were hashed: a file changed since (the packer then
            // read other bytes) must not teach every other project a wrong answer.
            bool indexed = Unchanged(stamps) && _index.TryPut(key, EntryFor(record, packStarted));
            return new LayerOutcome(record, LayerSource.Packed, lookup, indexed, clock.Elapsed, streamed);
        }

        /// <summary>
        /// The entry of a blob just packed. Its stamp says "hashed right" only when the blob file was
        /// written by this pack (or a parallel identical one), whose bytes the store hashed on the way
        /// in; a blob that was already in the store is hashed on its first hit instead.
        /// </summary>
        private LayerCacheEntry EntryFor(LayerRecord record, DateTime packStartedUtc)
        {
            var entry = LayerCacheEntry.From(record);
            var blob = new FileInfo(_store.PathOf(record.Digest));
            if (blob.Exists && blob.LastWriteTimeUtc >= packStartedUtc - FileHashCache.RacyWindow)
                entry.BlobStamp = CacheCheckState.Stamp(blob);
            return entry;
        }

        private static bool Unchanged(Dictionary<string, FileStamp> stamps)
        {
            foreach (var kv in stamps)
                if (!(FileStamp.Of(kv.Key) is FileStamp now) || now != kv.Value) return false;
            return true;
        }

        /// <summary>The project's last record; null when there is none or it is unreadable (it is then rewritten).</summary>
        private static LayerRecord? ReadRecord(string path)
        {
            try { return File.Exists(path) ? OciJson.Parse<LayerRecord>(File.ReadAllText(path)) : null; }
            catch (Exception e) when (!(e is OciException) && !(e is OperationCanceledException)) { return null; }
        }
    }
}
