namespace OciMsBuild.Core.LayerCache
{
    /// <summary>The one log line per layer: where it came from, its digest and size (facts that do not depend on the key).</summary>
    public static class LayerLog
    {
        public static string Describe(string kind, LayerOutcome outcome)
        {
            var r = outcome.Record;
            var ms = (long)outcome.Elapsed.TotalMilliseconds;
            switch (outcome.Source)
            {
                case LayerSource.UpToDate:
                    return $"OciMsBuild: layer {kind} is up to date ({r.Digest})";
                case LayerSource.SharedCache:
                    return $"OciMsBuild: layer {kind} reused from the shared layer cache: {r.Digest} ({r.Size:N0} bytes, {r.UncompressedSize:N0} uncompressed) in {ms} ms";
                default:
                    return $"OciMsBuild: packed layer {kind}: {r.Digest} ({r.Size:N0} bytes, {r.UncompressedSize:N0} uncompressed) in {ms} ms ({Why(outcome)})";
            }
        }

        private static string Why(LayerOutcome outcome)
        {
            string found;
            switch (outcome.Lookup)
            {
                case LayerLookup.NoEntry: found = "not in the shared layer cache"; break;
                case LayerLookup.EntryUnreadable: found = "its shared layer cache entry was unreadable"; break;
                case LayerLookup.BlobMissing: found = "the shared layer cache's blob was missing"; break;
                case LayerLookup.BlobDamaged: found = "the shared layer cache's blob was damaged (removed)"; break;
                default: found = "its shared layer cache entry was wrong"; break;
            }
            return found + (outcome.Indexed ? "; added to it" : "; not added to it (a publish file changed during the build, or the cache is not writable)");
        }
    }
}
