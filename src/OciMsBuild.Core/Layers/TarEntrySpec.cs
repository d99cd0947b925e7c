using Newtonsoft.Json;

namespace OciMsBuild.Core.Layers
{
    /// <summary>One entry of a layer: a directory, a file whose bytes come from SourcePath, or a symbolic link.</summary>
    public sealed class TarEntrySpec
    {
        /// <summary>Path in the image without a leading slash; directories end with '/'.</summary>
        [JsonProperty("path", Order = 1)] public string Path { get; set; } = "";
        [JsonProperty("source", Order = 2)] public string? SourcePath { get; set; }
        [JsonProperty("mode", Order = 3)] public int Mode { get; set; }
        /// <summary>A symbolic link's target (relative, inside the publish folder); absent for files and directories.</summary>
        [JsonProperty("link", Order = 4)] public string? LinkTarget { get; set; }
        [JsonIgnore] public bool IsSymlink => LinkTarget != null;
        [JsonIgnore] public bool IsDirectory => SourcePath == null && LinkTarget == null;
    }
}
