using System.Collections.Generic;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Oci
{
    /// <summary>An OCI image manifest or a Docker v2 schema 2 manifest (same shape).</summary>
    public sealed class ImageManifest
    {
        [JsonProperty("schemaVersion", Order = 1)] public int SchemaVersion { get; set; } = 2;
        [JsonProperty("mediaType", Order = 2)] public string? MediaType { get; set; }
        [JsonProperty("config", Order = 3)] public Descriptor Config { get; set; } = new Descriptor();
        [JsonProperty("layers", Order = 4)] public List<Descriptor> Layers { get; set; } = new List<Descriptor>();
        [JsonProperty("annotations", Order = 5)] public SortedDictionary<string, string>? Annotations { get; set; }
        /// <summary>OCI 1.1 artifacts (an SBOM, a provenance record): what this manifest carries.</summary>
        [JsonProperty("artifactType", Order = 6)] public string? ArtifactType { get; set; }
        /// <summary>OCI 1.1: the manifest this artifact is about (it is one of its referrers).</summary>
        [JsonProperty("subject", Order = 7)] public Descriptor? Subject { get; set; }
    }

    /// <summary>An OCI image index or a Docker manifest list.</summary>
    public sealed class ImageIndex
    {
        [JsonProperty("schemaVersion", Order = 1)] public int SchemaVersion { get; set; } = 2;
        [JsonProperty("mediaType", Order = 2)] public string? MediaType { get; set; }
        [JsonProperty("manifests", Order = 3)] public List<Descriptor> Manifests { get; set; } = new List<Descriptor>();
        [JsonProperty("annotations", Order = 4)] public SortedDictionary<string, string>? Annotations { get; set; }
    }

    /// <summary>Just enough of any manifest-like document to tell what it is.</summary>
    public sealed class MediaTypeProbe
    {
        [JsonProperty("mediaType")] public string? MediaType { get; set; }
        [JsonProperty("manifests")] public List<Descriptor>? Manifests { get; set; }
        [JsonProperty("config")] public Descriptor? Config { get; set; }
    }
}
