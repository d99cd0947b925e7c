using System.Collections.Generic;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Everything that decides a layer's bytes, written to obj/ so MSBuild's Inputs/Outputs and
    /// the packer's fingerprint can tell when a layer must be packed again.
    /// </summary>
    public sealed class LayerPlan
    {
        [JsonProperty("kind", Order = 1)] public string Kind { get; set; } = "";
        [JsonProperty("uid", Order = 2)] public int Uid { get; set; }
        [JsonProperty("gid", Order = 3)] public int Gid { get; set; }
        [JsonProperty("mtime", Order = 4)] public long MtimeUnixSeconds { get; set; }
        /// <summary>Part of the plan so that changing only the level packs the layer again.</summary>
        [JsonProperty("compressionLevel", Order = 5)] public int CompressionLevel { get; set; } = LayerPlanBuilder.DefaultCompressionLevel;
        /// <summary>"gzip" or "zstd" (<see cref="Compression.LayerCompression"/>).</summary>
        [JsonProperty("compression", Order = 6)] public string Compression { get; set; } = Core.Compression.LayerCompression.Gzip;
        /// <summary>
        /// The compressor's identity (<see cref="Compression.LayerCompression.Identity"/>, which names the
        /// runtime whose zlib compresses): in the plan file, so a new SDK rewrites the plans and the
        /// packing step runs again even when no published file changed.
        /// </summary>
        [JsonProperty("compressor", Order = 7)] public string Compressor { get; set; } = "";
        [JsonProperty("entries", Order = 8)] public List<TarEntrySpec> Entries { get; set; } = new List<TarEntrySpec>();
    }

    /// <summary>What packing a layer produced: enough to put it in a manifest and config.</summary>
    public sealed class LayerRecord
    {
        [JsonProperty("kind", Order = 1)] public string Kind { get; set; } = "";
        [JsonProperty("fingerprint", Order = 2)] public string Fingerprint { get; set; } = "";
        [JsonProperty("mediaType", Order = 3)] public string MediaType { get; set; } = "";
        [JsonProperty("digest", Order = 4)] public string Digest { get; set; } = "";
        [JsonProperty("size", Order = 5)] public long Size { get; set; }
        [JsonProperty("diffId", Order = 6)] public string DiffId { get; set; } = "";
        [JsonProperty("uncompressedSize", Order = 7)] public long UncompressedSize { get; set; }
    }
}
