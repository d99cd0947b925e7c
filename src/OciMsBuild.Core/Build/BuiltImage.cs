using System.Collections.Generic;
using Newtonsoft.Json;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Build
{
    /// <summary>One platform's image as stored: written to obj/ for the output step to read.</summary>
    public sealed class BuiltImage
    {
        [JsonProperty("runtimeIdentifier", Order = 1)] public string RuntimeIdentifier { get; set; } = "";
        [JsonProperty("platform", Order = 2)] public Platform Platform { get; set; } = new Platform();
        [JsonProperty("format", Order = 3)] public string Format { get; set; } = "OCI";
        [JsonProperty("manifest", Order = 4)] public Descriptor Manifest { get; set; } = new Descriptor();
        [JsonProperty("config", Order = 5)] public Descriptor Config { get; set; } = new Descriptor();
        [JsonProperty("layers", Order = 6)] public List<Descriptor> Layers { get; set; } = new List<Descriptor>();
        [JsonProperty("layerKinds", Order = 7)] public List<string> LayerKinds { get; set; } = new List<string>();
        [JsonProperty("baseName", Order = 8)] public string? BaseName { get; set; }
        [JsonProperty("baseDigest", Order = 9)] public string? BaseDigest { get; set; }
        /// <summary>'registry/repository' of a registry base: base layers may be absent from the store until an output needs them.</summary>
        [JsonProperty("baseSource", Order = 10)] public string? BaseSource { get; set; }
        /// <summary>Artifacts about this image (SBOM, provenance): in the layout, and pushed as its referrers.</summary>
        [JsonProperty("referrers", Order = 11)] public List<SupplyChain.Referrer>? Referrers { get; set; }
    }
}
