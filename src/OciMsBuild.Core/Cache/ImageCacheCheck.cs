using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// The cache is a cache: before MSBuild decides from the records in obj/ (layer records,
    /// image.json, the index record) that nothing needs rebuilding, this checks that every blob
    /// they name is still in the blob store and intact, and deletes exactly the records whose blobs
    /// are not (and the damaged blobs), so the targets that produce them run again in this build.
    ///
    /// Cost: a stat per record and per blob; a record is parsed only when its (size, mtime) changed,
    /// and a blob's sha256 is computed only when its (size, mtime) differs from the last time it
    /// matched (<see cref="CacheCheckState"/>), so a no-change build parses and hashes nothing.
    /// Registry base layers may legitimately be absent (fetched when an output needs them): absent
    /// is fine for them, damaged ones are removed and fetched again when needed.
    /// </summary>
    public sealed class ImageCacheCheck
    {
        private enum BlobState { Ok, Missing, Damaged }

        private readonly BlobStore _store;
        private readonly string _stateFile;
        private readonly string _stateDirectory;
        private readonly CacheCheckState _previous;
        private readonly CacheCheckState _next;
        private readonly Dictionary<string, BlobState> _seen = new Dictionary<string, BlobState>(StringComparer.Ordinal);
        private readonly List<string> _repairs = new List<string>();
        private readonly Stopwatch _clock = new Stopwatch();

        public ImageCacheCheck(BlobStore store, string stateFile)
        {
            _store = store;
            _stateFile = Path.GetFullPath(stateFile);
            _stateDirectory = Path.GetDirectoryName(_stateFile)!;
            _previous = CacheCheckState.Load(_stateFile, store.Root);
            _next = new CacheCheckState { Store = store.Root };
        }

        /// <summary>What was found and what will be rebuilt, one entry per record.</summary>
        public IReadOnlyList<string> Repairs => _repairs;
        /// <summary>Record files deleted so that MSBuild rebuilds them.</summary>
        public List<string> DeletedRecords { get; } = new List<string>();
        /// <summary>Records parsed (changed since the last check, or found wrong by the fast path).</summary>
        public int RecordsParsed { get; private set; }
        public int BlobsChecked { get; private set; }
        public int BlobsHashed { get; private set; }
        public long BytesHashed { get; private set; }
        public TimeSpan Elapsed => _clock.Elapsed;

        /// <summary>A layer record (obj/.../layers/N-kind.layer.json): its blob is one we packed.</summary>
        public void CheckLayerRecord(string path)
        {
            _clock.Start();
            try
            {
                if (!Exists(path, "layer record", "the layer is packed again") || UnchangedAndIntact(path)) return;
                RecordsParsed++;
                LayerRecord? record = null;
                try { record = OciJson.Parse<LayerRecord>(File.ReadAllText(path)); }
                catch (Exception e) when (!(e is OciException)) { }
                if (record == null || !Digest.IsValid(record.Digest) || record.Size <= 0)
                {
                    Invalidate(path, $"layer record {Name(path)} is unreadable → the layer is packed again");
                    return;
                }
                var state = CheckBlob(record.Digest, record.Size);
                if (state != BlobState.Ok)
                    Invalidate(path, $"layer {record.Kind} {Short(record.Digest)} {Describe(state)} → packed again");
                else
                    Keep(path, new[] { new CacheCheckState.BlobRef(record.Digest, record.Size, false) });
            }
            finally { _clock.Stop(); }
        }

        /// <summary>
        /// image.json of one platform, or the image index's record: the manifests, configs and
        /// layers it names (and the index blob). Anything missing or damaged rebuilds the image
        /// from its inputs: our layers, the base (re-imported from a local base; a registry base's
        /// manifests and config are fetched again by the pin step), the settings.
        /// </summary>
        public void CheckImageRecord(string path)
        {
            _clock.Start();
            try
            {
                if (!Exists(path, "image record", "the image is built again") || UnchangedAndIntact(path)) return;
                RecordsParsed++;
                ImageSet? set = null;
                try { set = ImageSet.Load(path); }
                catch (Exception e) when (e is OciException || e is Newtonsoft.Json.JsonException || e is ArgumentException || e is InvalidOperationException) { }
                if (set == null || !IsWellFormed(set))
                {
                    Invalidate(path, $"image record {Name(path)} is unreadable → the image is built again");
                    return;
                }
                var problems = new List<string>();
                if (set.IsIndex && CheckBlob(set.Root.Digest, set.Root.Size) is var rootState && rootState != BlobState.Ok)
                    problems.Add($"index {Short(set.Root.Digest)} {Describe(rootState)}");
                foreach (var image in set.Images)
                    problems.AddRange(ImageProblems(image));
                if (problems.Count > 0)
                    Invalidate(path, $"{(set.IsIndex ? "image index" : "image " + set.Images[0].RuntimeIdentifier)}: {string.Join(", ", problems)} → {(set.IsIndex ? "index" : "image")} built again");
                else
                    Keep(path, BlobsOf(set));
            }
            finally { _clock.Stop(); }
        }

        private static IEnumerable<CacheCheckState.BlobRef> BlobsOf(ImageSet set)
        {
            if (set.IsIndex) yield return new CacheCheckState.BlobRef(set.Root.Digest, set.Root.Size, false);
            foreach (var image in set.Images)
            {
                yield return new CacheCheckState.BlobRef(image.Manifest.Digest, image.Manifest.Size, false);
                yield return new CacheCheckState.BlobRef(image.Config.Digest, image.Config.Size, false);
                for (int i = 0; i < image.Layers.Count; i++)
                {
                    bool registryBase = i < image.LayerKinds.Count && image.LayerKinds[i] == "base" && image.BaseSource != null;
                    yield return new CacheCheckState.BlobRef(image.Layers[i].Digest, image.Layers[i].Size, registryBase);
                }
                foreach (var referrer in image.Referrers ?? new List<SupplyChain.Referrer>())
                {
                    yield return new CacheCheckState.BlobRef(referrer.Manifest.Digest, referrer.Manifest.Size, false);
                    foreach (var blob in referrer.Blobs) yield return new CacheCheckState.BlobRef(blob.Digest, blob.Size, false);
                }
            }
        }

        /// <summary>
        /// The no-change path: a record with the (size, mtime) the last check saw names the blobs it
        /// named then; if they are all still good, it need not be parsed. Otherwise the full check
        /// parses it (and says what is wrong).
        /// </summary>
        private bool UnchangedAndIntact(string path)
        {
            var relative = Relative(path);
            if (!_previous.Records.TryGetValue(relative, out var entry)) return false;
            if (CacheCheckState.Stamp(new FileInfo(path)) != entry.Stamp) return false;
            foreach (var blob in entry.Blobs)
            {
                var state = CheckBlob(blob.Digest, blob.Size);
                if (state == BlobState.Damaged || (state == BlobState.Missing && !blob.Optional)) return false;
            }
            _next.Records[relative] = entry;
            return true;
        }

        private IEnumerable<string> ImageProblems(BuiltImage image)
        {
            var manifest = CheckBlob(image.Manifest.Digest, image.Manifest.Size);
            if (manifest != BlobState.Ok) yield return $"manifest {Short(image.Manifest.Digest)} {Describe(manifest)}";
            var config = CheckBlob(image.Config.Digest, image.Config.Size);
            if (config != BlobState.Ok) yield return $"config {Short(image.Config.Digest)} {Describe(config)}";
            for (int i = 0; i < image.Layers.Count; i++)
            {
                var layer = image.Layers[i];
                var kind = i < image.LayerKinds.Count ? image.LayerKinds[i] : "";
                bool isBase = kind == "base";
                var state = CheckBlob(layer.Digest, layer.Size);
                if (state == BlobState.Ok) continue;
                if (isBase && image.BaseSource != null)
                {
                    // A registry base's layers are downloaded when an output needs them: absent is normal.
                    if (state == BlobState.Damaged)
                        _repairs.Add($"base layer {Short(layer.Digest)} of {image.BaseSource} was damaged (removed) → downloaded again when an output needs it");
                    continue;
                }
                yield return $"{(isBase ? "base layer" : "layer " + kind)} {Short(layer.Digest)} {Describe(state)}";
            }
            // The SBOM and provenance are rebuilt with the image (their blobs are small and all ours).
            foreach (var referrer in image.Referrers ?? new List<SupplyChain.Referrer>())
                foreach (var blob in new[] { referrer.Manifest }.Concat(referrer.Blobs))
                {
                    var state = CheckBlob(blob.Digest, blob.Size);
                    if (state != BlobState.Ok) yield return $"{referrer.Manifest.ArtifactType ?? "referrer"} blob {Short(blob.Digest)} {Describe(state)}";
                }
        }

        /// <summary>Saves what was found good; returns the one-line message for the log, or null when nothing was wrong.</summary>
        public string? Finish()
        {
            _next.Save(_stateFile);
            if (_repairs.Count == 0) return null;
            return $"OciMsBuild: rebuilding what the cache lost (blob store {_store.Root}): {string.Join("; ", _repairs)}.";
        }

        private void Keep(string path, IEnumerable<CacheCheckState.BlobRef> blobs) =>
            _next.Records[Relative(path)] = new CacheCheckState.RecordEntry { Stamp = CacheCheckState.Stamp(new FileInfo(path)), Blobs = blobs.ToList() };

        /// <summary>False when the record does not exist; reported when the last check had seen it (deleted since, not a first build).</summary>
        private bool Exists(string path, string what, string consequence)
        {
            if (File.Exists(path)) return true;
            if (_previous.Records.ContainsKey(Relative(path)))
                _repairs.Add($"{what} {Name(path)} was deleted → {consequence}");
            return false;
        }

        private void Invalidate(string path, string repair)
        {
            try { File.Delete(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OciException(ErrorCodes.FileSystemError,
                    $"The record '{path}' names blobs the blob store at {_store.Root} lost, and it cannot be deleted to rebuild them ({e.Message}). Delete the folder '{Path.GetDirectoryName(path)}' and build again.", e);
            }
            DeletedRecords.Add(path);
            _repairs.Add(repair);
        }

        private BlobState CheckBlob(string digest, long size)
        {
            if (_seen.TryGetValue(digest, out var known)) return known;
            var state = Measure(digest, size);
            _seen[digest] = state;
            return state;
        }

        private BlobState Measure(string digest, long size)
        {
            BlobsChecked++;
            var path = _store.PathOf(digest);
            var info = new FileInfo(path);
            if (!info.Exists) return BlobState.Missing;
            var stamp = CacheCheckState.Stamp(info);
            if (size > 0 && info.Length != size) return Remove(path);
            if (_previous.Verified.TryGetValue(digest, out var last) && last == stamp)
            {
                _next.Verified[digest] = stamp;
                return BlobState.Ok;
            }
            BlobsHashed++;
            BytesHashed += info.Length;
            string actual;
            try { actual = Digest.OfFile(path); }
            // Another build removed it between the stat and the read (a damaged shared blob): missing, so rebuilt.
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException) { return BlobState.Missing; }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OciException(ErrorCodes.BlobCacheUnusable,
                    $"Blob {digest} in the blob store at '{_store.Root}' (ContainerBlobCachePath) cannot be read: {e.Message}. Make the store readable for this user, or set ContainerBlobCachePath to another directory.", e);
            }
            if (actual != digest) return Remove(path);
            _next.Verified[digest] = stamp;
            return BlobState.Ok;
        }

        /// <summary>A damaged blob must go: the store never overwrites a blob that exists, so it would never be repaired.</summary>
        private BlobState Remove(string blobPath)
        {
            _store.RemoveDamaged(blobPath);
            return BlobState.Damaged;
        }

        private static bool IsWellFormed(ImageSet set) =>
            set.Root != null && Digest.IsValid(set.Root.Digest) && set.Images != null && set.Images.Count > 0 &&
            set.Images.All(i => i != null && Digest.IsValid(i.Manifest?.Digest) && Digest.IsValid(i.Config?.Digest) &&
                                i.Layers != null && i.Layers.All(l => l != null && Digest.IsValid(l.Digest)) &&
                                i.LayerKinds != null && i.LayerKinds.Count == i.Layers.Count);

        private static string Describe(BlobState state) => state == BlobState.Missing ? "missing from the blob store" : "damaged (removed)";

        private static string Short(string digest) => digest.Length > 19 ? digest.Substring(0, 19) : digest;

        private static string Name(string path) => Path.GetFileName(path);

        private string Relative(string path)
        {
            var full = Path.GetFullPath(path);
            return full.StartsWith(_stateDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                ? full.Substring(_stateDirectory.Length + 1).Replace('\\', '/')
                : full;
        }
    }
}
