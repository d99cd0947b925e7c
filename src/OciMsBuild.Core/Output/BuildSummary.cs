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

        /// <summary>One platform's image: the whole story of a single-platform build, one entry per RID of a multi-platform one.</summary>
        public sealed class PlatformImage
        {
            [JsonProperty("platform", Order = 1)] public string Platform { get; set; } = "";
            [JsonProperty("runtimeIdentifier", Order = 2)] public string RuntimeIdentifier { get; set; } = "";
            [JsonProperty("digest", Order = 3)] public string Digest { get; set; } = "";
            [JsonProperty("configDigest", Order = 4)] public string ConfigDigest { get; set; } = "";
            [JsonProperty("base", Order = 5)] public string? Base { get; set; }
            [JsonProperty("layers", Order = 6)] public List<LayerInfo> Layers { get; set; } = new List<LayerInfo>();

            public static PlatformImage From(BuiltImage image) => new PlatformImage
            {
                Platform = image.Platform.ToString(),
                RuntimeIdentifier = image.RuntimeIdentifier,
                Digest = image.Manifest.Digest,
                ConfigDigest = image.Config.Digest,
                Base = image.BaseName,
                Layers = image.Layers.Select((l, i) => new LayerInfo { Kind = image.LayerKinds[i], MediaType = l.MediaType, Digest = l.Digest, Size = l.Size }).ToList(),
            };
        }

        [JsonProperty("image", Order = 1)] public string Image { get; set; } = "";
        [JsonProperty("tags", Order = 2)] public List<string> Tags { get; set; } = new List<string>();
        /// <summary>The manifest digest of a single-platform image; the index digest of a multi-platform one.</summary>
        [JsonProperty("digest", Order = 3)] public string Digest { get; set; } = "";
        [JsonProperty("mediaType", Order = 4)] public string MediaType { get; set; } = "";
        /// <summary>Single-platform only (an index has no config).</summary>
        [JsonProperty("configDigest", Order = 5)] public string? ConfigDigest { get; set; }
        /// <summary>'linux/amd64', or every platform comma-separated for an index.</summary>
        [JsonProperty("platform", Order = 6)] public string Platform { get; set; } = "";
        [JsonProperty("runtimeIdentifier", Order = 7)] public string RuntimeIdentifier { get; set; } = "";
        [JsonProperty("base", Order = 8)] public string? Base { get; set; }
        [JsonProperty("layers", Order = 9)] public List<LayerInfo>? Layers { get; set; }
        [JsonProperty("outputs", Order = 10)] public OutputInfo Outputs { get; set; } = new OutputInfo();
        /// <summary>Multi-platform only: each platform's image under the index.</summary>
        [JsonProperty("platforms", Order = 11)] public List<PlatformImage>? Platforms { get; set; }

        public static BuildSummary From(BuiltImage image, ImageName name, string? layout, string? archive) =>
            From(ImageSet.Single(image), name, layout, archive);

        public static BuildSummary From(ImageSet set, ImageName name, string? layout, string? archive)
        {
            var summary = new BuildSummary
            {
                Image = name.FullName,
                Tags = name.Tags.ToList(),
                Digest = set.Root.Digest,
                MediaType = set.Root.MediaType,
                Outputs = new OutputInfo { Layout = layout, Archive = archive },
            };
            if (!set.IsIndex)
            {
                var only = PlatformImage.From(set.Images[0]);
                summary.ConfigDigest = only.ConfigDigest;
                summary.Platform = only.Platform;
                summary.RuntimeIdentifier = only.RuntimeIdentifier;
                summary.Base = only.Base;
                summary.Layers = only.Layers;
                return summary;
            }
            summary.Platforms = set.Images.Select(PlatformImage.From).ToList();
            summary.Platform = string.Join(",", summary.Platforms.Select(p => p.Platform));
            summary.RuntimeIdentifier = string.Join(";", summary.Platforms.Select(p => p.RuntimeIdentifier));
            return summary;
        }
    }
}
