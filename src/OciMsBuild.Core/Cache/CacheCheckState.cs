using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// What the last cache check found good, kept in obj/ beside the records: each blob's (size,
    /// mtime) when its sha256 last matched, so an unchanged blob is not hashed again on every build;
    /// and the records that existed, so one deleted since is reported (a cold build reports nothing).
    /// </summary>
    public sealed class CacheCheckState
    {
        [JsonProperty("store", Order = 1)] public string Store { get; set; } = "";
        /// <summary>Record file names, relative to the state file's folder.</summary>
        [JsonProperty("records", Order = 2)] public SortedSet<string> Records { get; set; } = new SortedSet<string>(StringComparer.Ordinal);
        /// <summary>digest → "size:mtime ticks" of the blob file when its content last hashed to the digest.</summary>
        [JsonProperty("verified", Order = 3)] public SortedDictionary<string, string> Verified { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

        public static string Stamp(FileInfo blob) => blob.Length + ":" + blob.LastWriteTimeUtc.Ticks;

        /// <summary>The state for <paramref name="storeRoot"/>; empty when missing, unreadable, or about another store.</summary>
        public static CacheCheckState Load(string path, string storeRoot)
        {
            try
            {
                if (File.Exists(path))
                {
                    var state = OciJson.Parse<CacheCheckState>(File.ReadAllText(path));
                    if (state != null)
                    {
                        // Stamps describe files of one store; records stay meaningful whatever the store.
                        if (state.Store != storeRoot) state.Verified.Clear();
                        state.Store = storeRoot;
                        return state;
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is JsonException || e is UnauthorizedAccessException) { }
            return new CacheCheckState { Store = storeRoot };
        }

        /// <summary>Written only when it changed (it is no MSBuild input, but an unchanged build should not write).</summary>
        public void Save(string path)
        {
            try { AtomicFile.WriteIfChanged(path, OciJson.ToText(this)); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Only an optimisation: without it the next check hashes again.
            }
        }
    }
}
