using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json;
using OciMsBuild.Core.Build;

namespace OciMsBuild.Core.Output
{
    /// <summary>The small JSON file CI reads: what was built and where it went.</summary>
    public sealed class BuildSummary
    {
        public sealed class LayerInfo
        {
            [JsonProperty("kind", Order = 1)] public string Kind { get; set; } = "";
            [JsonProperty("mediaType", Order = 2)] public string MediaType { get; set; } = "";
            [JsonProperty("digest", Order = 3)] public string Digest { get; set; } = "";
            [JsonProperty("size", Order = 4)] public long Size { get; set; }
        }

        public sealed class OutputInfo
        {
            [JsonProperty("layout", Order = 1)] public string? Layout { get; set; }
            [JsonProperty("archive", Order = 2)] public string? Archive { get; set; }
        }

        [JsonProperty("image", Order = 1)] public string Image { get; set; } = "";
        [JsonProperty("tags", Order = 2)] public List<string> Tags { get; set; } = new List<string>();
        [JsonProperty("digest", Order = 3)] public string Digest { get; set; } = "";
        [JsonProperty("mediaType", Order = 4)] public string MediaType { get; set; } = "";
        [JsonProperty("configDigest", Order = 5)] public string ConfigDigest { get; set; } = "";
        [JsonProperty("platform", Order = 6)] public string Platform { get; set; } = "";
        [JsonProperty("runtimeIdentifier", Order = 7)] public string RuntimeIdentifier { get; set; } = "";
        [JsonProperty("base", Order = 8)] public string? Base { get; set; }
        [JsonProperty("layers", Order = 9)] public List<LayerInfo> Layers { get; set; } = new List<LayerInfo>();
        [JsonProperty("outputs", Order = 10)] public OutputInfo Outputs { get; set; } = new OutputInfo();

        public static BuildSummary From(BuiltImage image, ImageName name, string? layout, string? archive) => new BuildSummary
        {
            Image = name.FullName,
            Tags = name.Tags.ToList(),
            Digest = image.Manifest.Digest,
            MediaType = image.Manifest.MediaType,
            ConfigDigest = image.Config.Digest,
            Platform = image.Platform.ToString(),
            RuntimeIdentifier = image.RuntimeIdentifier,
            Base = image.BaseName,
            Layers = image.Layers.Select((l, i) => new LayerInfo { Kind = image.LayerKinds[i], MediaType = l.MediaType, Digest = l.Digest, Size = l.Size }).ToList(),
            Outputs = new OutputInfo { Layout = layout, Archive = archive },
        };
    }
}
