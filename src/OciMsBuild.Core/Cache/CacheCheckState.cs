using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// What the last cache check found good, kept in obj/ beside the records: each blob's (size,
    /// mtime) when its sha256 last matched, so an unchanged blob is not hashed again; and each
    /// record's (size, mtime) with the blobs it names, so an unchanged record is not parsed again
    /// and one deleted since is reported (a cold build reports nothing). A plain tab-separated
    /// text file: reading it must cost less than the JSON it saves parsing.
    /// </summary>
    public sealed class CacheCheckState
    {
        private const string Header = "ocimsbuild-cache-check\t1";

        public string Store { get; set; } = "";
        /// <summary>Record file (relative to the state file's folder) → its stamp and blobs.</summary>
        public Dictionary<string, RecordEntry> Records { get; } = new Dictionary<string, RecordEntry>(StringComparer.Ordinal);
        /// <summary>digest → stamp of the blob file when its content last hashed to the digest.</summary>
        public Dictionary<string, string> Verified { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public sealed class RecordEntry
        {
            public string Stamp { get; set; } = "";
            public List<BlobRef> Blobs { get; set; } = new List<BlobRef>();
        }

        /// <summary>A blob a record names; Optional: a registry base layer, which may be absent from the store.</summary>
        public struct BlobRef
        {
            public BlobRef(string digest, long size, bool optional)
            {
                Digest = digest;
                Size = size;
                Optional = optional;
            }

            public string Digest { get; }
            public long Size { get; }
            public bool Optional { get; }
        }

        public static string Stamp(FileInfo file) => file.Length.ToString(CultureInfo.InvariantCulture) + ":" + file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture);

        /// <summary>The state for <paramref name="storeRoot"/>; empty when missing or unreadable. Blob stamps of another store are dropped.</summary>
        public static CacheCheckState Load(string path, string storeRoot)
        {
            var state = new CacheCheckState { Store = storeRoot };
            string[] lines;
            try
            {
                if (!File.Exists(path)) return state;
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return state; }
            if (lines.Length == 0 || lines[0] != Header) return state;
            string? store = null;
            foreach (var line in lines.Skip(1))
            {
                var f = line.Split('\t');
                if (f[0] == "store" && f.Length == 2) store = f[1];
                else if (f[0] == "blob" && f.Length == 3) state.Verified[f[1]] = f[2];
                else if (f[0] == "record" && f.Length == 4 && ParseBlobs(f[3]) is List<BlobRef> blobs)
                    state.Records[f[1]] = new RecordEntry { Stamp = f[2], Blobs = blobs };
                else return new CacheCheckState { Store = storeRoot }; // damaged: start over (costs one hash of each blob)
            }
            // Stamps describe files of one store; records stay meaningful whatever the store.
            if (store != storeRoot) state.Verified.Clear();
            return state;
        }

        private static List<BlobRef>? ParseBlobs(string text)
        {
            var blobs = new List<BlobRef>();
            if (text.Length == 0) return blobs;
            foreach (var part in text.Split(','))
            {
                var f = part.Split(' ');
                if (f.Length != 3 || !Oci.Digest.IsValid(f[0]) || !long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
                blobs.Add(new BlobRef(f[0], size, f[2] == "optional"));
            }
            return blobs;
        }

        public string ToText()
        {
            var text = new StringBuilder(Header).Append('\n');
            text.Append("store\t").Append(Store).Append('\n');
            foreach (var kv in Verified.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                text.Append("blob\t").Append(kv.Key).Append('\t').Append(kv.Value).Append('\n');
            foreach (var kv in Records.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                text.Append("record\t").Append(kv.Key).Append('\t').Append(kv.Value.Stamp).Append('\t')
                    .Append(string.Join(",", kv.Value.Blobs.Select(b => b.Digest + " " + b.Size.ToString(CultureInfo.InvariantCulture) + " " + (b.Optional ? "optional" : "required"))))
                    .Append('\n');
            return text.ToString();
        }

        /// <summary>Written only when it changed (it is no MSBuild input, but an unchanged build should not write).</summary>
        public void Save(string path)
        {
            try { AtomicFile.WriteIfChanged(path, ToText()); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Only an optimisation: without it the next check parses and hashes again.
            }
        }
    }
}
