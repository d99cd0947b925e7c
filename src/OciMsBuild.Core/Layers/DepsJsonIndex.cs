using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json.Linq;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Which library of the app's deps.json a published file belongs to, for files that reach
    /// the publish folder without ResolvedFileToPublish metadata.
    /// </summary>
    public sealed class DepsJsonIndex
    {
        private readonly Dictionary<string, LayerKind> _byFileName = new Dictionary<string, LayerKind>(StringComparer.Ordinal);

        public static DepsJsonIndex Empty { get; } = new DepsJsonIndex();

        public static DepsJsonIndex Load(string? depsJsonPath)
        {
            var index = new DepsJsonIndex();
            if (string.IsNullOrEmpty(depsJsonPath) || !File.Exists(depsJsonPath)) return index;
            var root = JObject.Parse(File.ReadAllText(depsJsonPath));
            var libraries = root["libraries"] as JObject;
            var targets = root["targets"] as JObject;
            if (libraries == null || targets == null) return index;
            // The app itself is a "project" library too (App.deps.json lists "App/1.0.0"): its
            // files belong in the app layer, not with the ProjectReferences.
            var depsFileName = Path.GetFileName(depsJsonPath);
            string? appLibrary = depsFileName.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase)
                ? depsFileName.Substring(0, depsFileName.Length - ".deps.json".Length) + "/"
                : null;
            foreach (var target in targets.Properties())
            {
                if (!(target.Value is JObject libs)) continue;
                foreach (var lib in libs.Properties())
                {
                    var type = (string?)libraries[lib.Name]?["type"];
                    LayerKind? kind = type switch
                    {
                        "runtimepack" => LayerKind.Runtime,
                        "package" => LayerKind.Packages,
                        "project" => LayerKind.ProjectReferences,
                        _ => null,
                    };
                    if (kind == LayerKind.ProjectReferences && appLibrary != null && lib.Name.StartsWith(appLibrary, StringComparison.OrdinalIgnoreCase)) continue;
                    if (kind == null || !(lib.Value is JObject assets)) continue;
                    foreach (var group in new[] { "runtime", "native", "resources" })
                    {
                        if (!(assets[group] is JObject files)) continue;
                        foreach (var file in files.Properties())
                        {
                            var path = file.Name;
                            if (group == "resources")
                            {
                                // resources are keyed by their path in the package; they publish to <culture>/<file>
                                var culture = (string?)file.Value?["locale"];
                                path = culture == null ? Path.GetFileName(path) : culture + "/" + Path.GetFileName(path);
                            }
                            else path = Path.GetFileName(path);
                            index._byFileName[path] = kind.Value;
                        }
                    }
                }
            }
            return index;
        }

        public LayerKind? Find(string relativePath) =>
            _byFileName.TryGetValue(relativePath, out var kind) ? kind : (LayerKind?)null;
    }
}
