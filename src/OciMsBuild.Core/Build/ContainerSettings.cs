using System.Collections.Generic;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Build
{
    /// <summary>A port to expose: number and protocol (tcp, udp or sctp).</summary>
    public sealed class ContainerPort
    {
        [JsonProperty("port", Order = 1)] public int Number { get; set; }
        [JsonProperty("type", Order = 2)] public string Type { get; set; } = "tcp";
        public override string ToString() => Number + "/" + Type;
    }

    /// <summary>What the user asked of the image config, already validated.</summary>
    public sealed class ContainerSettings
    {
        [JsonProperty("workingDirectory", Order = 1)] public string WorkingDirectory { get; set; } = "/app";
        [JsonProperty("appCommand", Order = 2)] public List<string> AppCommand { get; set; } = new List<string>();
        [JsonProperty("appCommandArgs", Order = 3)] public List<string> AppCommandArgs { get; set; } = new List<string>();
        [JsonProperty("defaultArgs", Order = 4)] public List<string> DefaultArgs { get; set; } = new List<string>();
        [JsonProperty("environment", Order = 5)] public List<KeyValuePair<string, string>> Environment { get; set; } = new List<KeyValuePair<string, string>>();
        [JsonProperty("labels", Order = 6)] public SortedDictionary<string, string> Labels { get; set; } = new SortedDictionary<string, string>(System.StringComparer.Ordinal);
        [JsonProperty("ports", Order = 7)] public List<ContainerPort> Ports { get; set; } = new List<ContainerPort>();
        [JsonProperty("user", Order = 8)] public string? User { get; set; }
        [JsonProperty("isWebApp", Order = 9)] public bool IsWebApp { get; set; }
        [JsonProperty("assemblyName", Order = 10)] public string AssemblyName { get; set; } = "";
        [JsonProperty("appHost", Order = 11)] public string? AppHostFileName { get; set; }
    }
}
