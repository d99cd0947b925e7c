using System.Collections.Generic;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Oci
{
    /// <summary>An OCI content descriptor: what a blob is, its digest and size.</summary>
    public sealed class Descriptor
    {
        [JsonProperty("mediaType", Order = 1)] public string MediaType { get; set; } = "";
        [JsonProperty("digest", Order = 2)] public string Digest { get; set; } = "";
        [JsonProperty("size", Order = 3)] public long Size { get; set; }
        [JsonProperty("urls", Order = 4)] public List<string>? Urls { get; set; }
        [JsonProperty("annotations", Order = 5)] public SortedDictionary<string, string>? Annotations { get; set; }
        [JsonProperty("platform", Order = 6)] public Platform? Platform { get; set; }
        /// <summary>OCI 1.1: what an artifact manifest is (application/spdx+json, …), on descriptors that point at one.</summary>
        [JsonProperty("artifactType", Order = 7)] public string? ArtifactType { get; set; }
        /// <summary>OCI 1.1: the blob's bytes inline (base64), for the tiny empty config.</summary>
        [JsonProperty("data", Order = 8)] public string? Data { get; set; }

        public Descriptor Clone() => (Descriptor)MemberwiseClone();
    }
}
