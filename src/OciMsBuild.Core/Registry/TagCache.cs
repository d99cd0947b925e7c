using System;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.Registry
{
    /// <summary>What each base tag pointed at when last resolved, beside the blob store.</summary>
    public sealed class TagCache
    {
        private readonly string _directory;

        private readonly string _root;

        public TagCache(BlobStore store)
        {
            _root = store.Root;
            _directory = Path.Combine(store.Root, "tags");
        }

        public sealed class Entry
        {
            [JsonProperty("reference", Order = 1)] public string Reference { get; set; } = "";
            [JsonProperty("digest", Order = 2)] public string Digest { get; set; } = "";
            [JsonProperty("resolvedAt", Order = 3)] public DateTimeOffset ResolvedAt { get; set; }
        }

        private string PathFor(string reference) =>
            Path.Combine(_directory, Oci.Digest.Hex(Oci.Digest.Of(Encoding.UTF8.GetBytes(reference))) + ".json");

        public Entry? Get(string reference)
        {
            var path = PathFor(reference);
            if (!File.Exists(path)) return null;
            try
            {
                var entry = JsonConvert.DeserializeObject<Entry>(File.ReadAllText(path));
                return entry != null && entry.Reference == reference && Oci.Digest.IsValid(entry.Digest) ? entry : null;
            }
            catch (Exception e) when (e is IOException || e is JsonException) { return null; }
        }

        public void Put(string reference, string digest)
        {
            try
            {
                Directory.CreateDirectory(_directory);
                AtomicFile.WriteAllText(PathFor(reference), OciJson.ToText(new Entry { Reference = reference, Digest = digest, ResolvedAt = DateTimeOffset.UtcNow }));
            }
            catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e))
            {
                throw BlobStoreFailures.Translate(e, _root, "recording the digest of base tag " + reference);
            }
        }
    }
}
