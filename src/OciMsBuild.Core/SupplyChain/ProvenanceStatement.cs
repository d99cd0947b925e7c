using System.Collections.Generic;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>What a build's provenance says: nothing secret and no path of this machine.</summary>
    public sealed class ProvenanceInputs
    {
        public string ImageName { get; set; } = "";
        public string ManifestDigest { get; set; } = "";
        /// <summary>The project's file name (not its folder: that is a machine path).</summary>
        public string ProjectFile { get; set; } = "";
        public string Configuration { get; set; } = "";
        public IReadOnlyList<string> RuntimeIdentifiers { get; set; } = new string[0];
        public string? BaseName { get; set; }
        public string? BaseDigest { get; set; }
        public string SdkVersion { get; set; } = "";
        public string ToolVersion { get; set; } = "";
        public IReadOnlyList<InventoryEntry> Dependencies { get; set; } = new InventoryEntry[0];
        public string? SourceRepository { get; set; }
        public string? SourceRevision { get; set; }
    }

    /// <summary>
    /// An in-toto Statement v1 with a SLSA Provenance v1 predicate for one platform image: the build's
    /// external parameters (project, configuration, RIDs, base), its resolved dependencies (the NuGet
    /// packages by hash, the base by digest, the commit), the SDK and the builder. Deterministic: no
    /// clock, no invocation id, sorted.
    /// </summary>
    public static class ProvenanceStatement
    {
        public const string MediaType = "application/vnd.in-toto+json";
        public const string PredicateType = "https://slsa.dev/provenance/v1";
        public const string BuildType = "https://github.com/ocimsbuild/ocimsbuild/buildtypes/dotnet-publish/v1";

        public static byte[] Create(ProvenanceInputs inputs)
        {
            var external = new JObject
            {
                ["project"] = inputs.ProjectFile,
                ["configuration"] = inputs.Configuration,
                ["runtimeIdentifiers"] = new JArray(inputs.RuntimeIdentifiers.OrderBy(r => r, System.StringComparer.Ordinal)),
            };
            if (inputs.BaseName != null || inputs.BaseDigest != null)
                external["baseImage"] = inputs.BaseName != null && inputs.BaseDigest != null ? inputs.BaseName + "@" + inputs.BaseDigest : inputs.BaseName ?? inputs.BaseDigest;
            if (inputs.SourceRepository != null) external["source"] = inputs.SourceRepository;

            var dependencies = new List<JObject>();
            if (inputs.SourceRevision != null)
            {
                // A repository without a known remote still has its commit: named "source" then (SLSA allows a name instead of a uri).
                var source = new JObject { ["digest"] = new JObject { ["gitCommit"] = inputs.SourceRevision } };
                if (inputs.SourceRepository != null) source.AddFirst(new JProperty("uri", "git+" + inputs.SourceRepository));
                else source.AddFirst(new JProperty("name", "source"));
                dependencies.Add(source);
            }
            if (inputs.BaseDigest != null && inputs.BaseDigest.StartsWith("sha256:", System.StringComparison.Ordinal))
                dependencies.Add(Dependency("oci://" + (inputs.BaseName ?? "base"), "sha256", inputs.BaseDigest.Substring(7)));
            foreach (var dep in inputs.Dependencies.Where(d => d.Type == "package"))
            {
                var d = new JObject { ["uri"] = "pkg:nuget/" + dep.Name + "@" + dep.Version };
                if (dep.Sha512 != null) d["digest"] = new JObject { ["sha512"] = dep.Sha512 };
                dependencies.Add(d);
            }
            dependencies.Add(new JObject { ["uri"] = "pkg:nuget/Microsoft.NET.Sdk@" + inputs.SdkVersion });

            var statement = new JObject
            {
                ["_type"] = "https://in-toto.io/Statement/v1",
                ["subject"] = new JArray(new JObject
                {
                    ["name"] = inputs.ImageName,
                    ["digest"] = new JObject { ["sha256"] = inputs.ManifestDigest.Substring("sha256:".Length) },
                }),
                ["predicateType"] = PredicateType,
                ["predicate"] = new JObject
                {
                    ["buildDefinition"] = new JObject
                    {
                        ["buildType"] = BuildType,
                        ["externalParameters"] = external,
                        ["internalParameters"] = new JObject { ["sdkVersion"] = inputs.SdkVersion },
                        ["resolvedDependencies"] = new JArray(dependencies.OrderBy(d => (string?)d["uri"] ?? (string?)d["name"] ?? "", System.StringComparer.Ordinal)),
                    },
                    ["runDetails"] = new JObject
                    {
                        ["builder"] = new JObject { ["id"] = "https://github.com/ocimsbuild/ocimsbuild@v" + inputs.ToolVersion },
                    },
                },
            };
            return Encoding.UTF8.GetBytes(statement.ToString(Formatting.None));
        }

        private static JObject Dependency(string uri, string algorithm, string value) =>
            new JObject { ["uri"] = uri, ["digest"] = new JObject { [algorithm] = value } };
    }
}
