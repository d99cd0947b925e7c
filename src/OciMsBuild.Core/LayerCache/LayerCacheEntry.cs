using Newtonsoft.Json;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.LayerCache
{
    /// <summary>
    /// One entry of the shared layer index (STORE/layers/KEY.json): the packed layer a content key
    /// produced. Nothing in it names a project; the kind and fingerprint of a project's record are
    /// that project's own.
    /// </summary>
    public sealed class LayerCacheEntry
    {
        [JsonProperty("mediaType", Order = 1)] public string MediaType { get; set; } = "";
        [JsonProperty("digest", Order = 2)] public string Digest { get; set; } = "";
        [JsonProperty("size", Order = 3)] public long Size { get; set; }
        [JsonProperty("diffId", Order = 4)] public string DiffId { get; set; } = "";
        [JsonProperty("uncompressedSize", Order = 5)] public long UncompressedSize { get; set; }
        /// <summary>The blob file's size:mtime when its content last hashed to <see cref="Digest"/>; empty when never checked.</summary>
        [JsonProperty("blobStamp", Order = 6)] public string BlobStamp { get; set; } = "";

        [JsonIgnore]
        public bool IsWellFormed =>
            !string.IsNullOrEmpty(MediaType) && Oci.Digest.IsValid(Digest) && Oci.Digest.IsValid(DiffId) && Size > 0 && UncompressedSize > 0;

        public static LayerCacheEntry From(LayerRecord record) => new LayerCacheEntry
        {
            MediaType = record.MediaType,
            Digest = record.Digest,
            Size = record.Size,
            DiffId = record.DiffId,
            UncompressedSize = record.UncompressedSize,
        };

        /// <summary>The project's record for this layer: its own kind and fingerprint, the cached blob.</summary>
        public LayerRecord ToRecord(string kind, string fingerprint) => new LayerRecord
        {
            Kind = kind,
            Fingerprint = fingerprint,
            MediaType = MediaType,
            Digest = Digest,
            Size = Size,
            DiffId = DiffId,
            UncompressedSize = UncompressedSize,
        };
    }
}
