using System;
using System.IO;
using System.Text;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.LayerCache
{
    /// <summary>What looking a key up in the layer index found.</summary>
    public enum LayerLookup
    {
        /// <summary>An entry whose blob is in the store and intact.</summary>
        Hit,
        NoEntry,
        /// <summary>A truncated or damaged entry file: ignored, rewritten after packing.</summary>
        EntryUnreadable,
        BlobMissing,
        /// <summary>The entry's blob did not hash to its digest: removed from the store, packed again.</summary>
        BlobDamaged,
        /// <summary>The blob is intact but the entry's size disagrees with it: the entry is rewritten.</summary>
        EntryWrong,
    }

    /// <summary>
    /// The shared layer index beside the blob store: STORE/layers/KEY.json maps a content key
    /// (<see cref="LayerContentKey"/>) to the blob it packs to, for every project using the store.
    /// Entries are written whole by an atomic rename from the store's tmp/ (left-overs of a killed
    /// build are removed by the store's stale-temp cleanup), so a reader sees an old or a new entry,
    /// never half of one; two builds writing the same key write the same blob's entry. A hit is
    /// trusted only when the blob is in the store and intact, checked as the cache check does: by its
    /// size and mtime when they are what they were when it last hashed right, else by hashing it; a
    /// damaged blob is removed. The index is an optimisation: reading or writing it never fails a build.
    /// </summary>
    public sealed class LayerIndex
    {
        private readonly BlobStore _store;

        public LayerIndex(BlobStore store)
        {
            _store = store;
            Directory = Path.Combine(store.Root, "layers");
        }

        public string Directory { get; }

        public string PathOf(string key) => Path.Combine(Directory, key + ".json");

        public LayerLookup Find(string key, out LayerCacheEntry? entry)
        {
            entry = Read(PathOf(key), out var unreadable);
            if (entry == null) return unreadable ? LayerLookup.EntryUnreadable : LayerLookup.NoEntry;

            var blob = new FileInfo(_store.PathOf(entry.Digest));
            if (!blob.Exists) return Miss(LayerLookup.BlobMissing, out entry);
            var stamp = CacheCheckState.Stamp(blob);
            if (stamp == entry.BlobStamp && blob.Length == entry.Size) return LayerLookup.Hit;

            string actual;
            try { actual = Digest.OfFile(blob.FullName); }
            // Removed by another build between the stat and the read: missing, so packed again.
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException) { return Miss(LayerLookup.BlobMissing, out entry); }
            if (actual != entry.Digest)
            {
                _store.RemoveDamaged(blob.FullName);
                return Miss(LayerLookup.BlobDamaged, out entry);
            }
            if (blob.Length != entry.Size) return Miss(LayerLookup.EntryWrong, out entry);
            // Intact: remember the stamp so the next hit does not hash it again.
            entry.BlobStamp = stamp;
            TryPut(key, entry);
            return LayerLookup.Hit;
        }

        private static LayerLookup Miss(LayerLookup why, out LayerCacheEntry? entry)
        {
            entry = null;
            return why;
        }

        private static LayerCacheEntry? Read(string path, out bool unreadable)
        {
            unreadable = false;
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException) { return null; }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { unreadable = true; return null; }
            LayerCacheEntry? entry = null;
            try { entry = OciJson.Parse<LayerCacheEntry>(text); }
            catch (Exception e) when (e is Newtonsoft.Json.JsonException || e is ArgumentException || e is FormatException || e is OverflowException) { }
            if (entry == null || !entry.IsWellFormed)
            {
                unreadable = true;
                return null;
            }
            return entry;
        }

        /// <summary>
        /// Writes an entry whole (see the class). False when it could not be written: then the next
        /// project that needs the layer packs it again; nothing else changes.
        /// </summary>
        public bool TryPut(string key, LayerCacheEntry entry)
        {
            string? temp = null;
            try
            {
                System.IO.Directory.CreateDirectory(Directory);
                temp = _store.NewTempFile();
                var bytes = new UTF8Encoding(false).GetBytes(OciJson.ToText(entry));
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                    file.Write(bytes, 0, bytes.Length);
                Publish(temp, PathOf(key));
                return true;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is Errors.OciException)
            {
                return false;
            }
            finally
            {
                if (temp != null) TryDelete(temp);
            }
        }

        /// <summary>Rename into place; over an existing entry (damaged, stale, or another build's identical one) too.</summary>
        private static void Publish(string temp, string target)
        {
            if (!File.Exists(target))
            {
                try
                {
                    File.Move(temp, target);
                    return;
                }
                catch (IOException) when (File.Exists(target)) { } // another build wrote it first: replace it, same content
            }
            File.Replace(temp, target, null);
        }

        private static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
