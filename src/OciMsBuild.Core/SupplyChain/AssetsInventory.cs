using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Newtonsoft.Json.Linq;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>One dependency of the app as NuGet restored it.</summary>
    public sealed class InventoryEntry
    {
        public string Name { get; set; } = "";
        public string Version { get; set; } = "";
        /// <summary>"package" (NuGet) or "project" (a ProjectReference).</summary>
        public string Type { get; set; } = "";
        /// <summary>The package's SHA-512 as NuGet recorded it (hex), when it is a package.</summary>
        public string? Sha512 { get; set; }
        /// <summary>The nuspec's license expression, when it has one.</summary>
        public string? License { get; set; }
    }

    /// <summary>
    /// What project.assets.json says the app depends on for one target (framework and RID): every
    /// NuGet package and ProjectReference of the restore graph, with version, hash and license.
    /// </summary>
    public static class AssetsInventory
    {
        public static IReadOnlyList<InventoryEntry> Read(string assetsPath, string targetFramework, string? runtimeIdentifier)
        {
            var root = JObject.Parse(File.ReadAllText(assetsPath));
            var targets = root["targets"] as JObject ?? new JObject();
            var target = Pick(targets, targetFramework, runtimeIdentifier);
            if (target == null) return new InventoryEntry[0];
            var libraries = root["libraries"] as JObject ?? new JObject();
            var folders = (root["packageFolders"] as JObject)?.Properties().Select(p => p.Name).ToList() ?? new List<string>();
            var entries = new List<InventoryEntry>();
            foreach (var item in target.Properties())
            {
                var slash = item.Name.IndexOf('/');
                if (slash <= 0) continue;
                var type = (string?)item.Value["type"] ?? "";
                if (type != "package" && type != "project") continue;
                // A package that puts nothing in the publish output (build tools, analyzers, this very
                // package with PrivateAssets=all) is not in the image.
                if (type == "package" && !ShipsFiles(item.Value as JObject)) continue;
                var library = libraries[item.Name] as JObject;
                var entry = new InventoryEntry { Name = item.Name.Substring(0, slash), Version = item.Name.Substring(slash + 1), Type = type };
                if (type == "package" && library != null)
                {
                    entry.Sha512 = HexOfBase64((string?)library["sha512"]);
                    entry.License = LicenseOf(folders, (string?)library["path"], entry.Name);
                }
                entries.Add(entry);
            }
            return entries.OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.Version, StringComparer.Ordinal).ToList();
        }

        /// <summary>"net10.0/linux-x64" for a RID-specific publish, else "net10.0" (keys may also be ".NETCoreApp,Version=v10.0").</summary>
        private static JObject? Pick(JObject targets, string targetFramework, string? rid)
        {
            var keys = targets.Properties().Select(p => p.Name).ToList();
            string? key = null;
            if (!string.IsNullOrEmpty(rid))
                key = keys.FirstOrDefault(k => k.EndsWith("/" + rid, StringComparison.OrdinalIgnoreCase)
                                               && (k.StartsWith(targetFramework + "/", StringComparison.OrdinalIgnoreCase) || k.StartsWith(".NET", StringComparison.Ordinal)));
            key ??= keys.FirstOrDefault(k => k.Equals(targetFramework, StringComparison.OrdinalIgnoreCase))
                    ?? keys.FirstOrDefault(k => !k.Contains("/"));
            return key == null ? null : targets[key] as JObject;
        }

        private static readonly string[] ShippedAssetKinds = { "runtime", "native", "runtimeTargets", "resource" };

        private static bool ShipsFiles(JObject? target) =>
            target != null && ShippedAssetKinds.Any(kind => target[kind] is JObject files
                && files.Properties().Any(f => !f.Name.EndsWith("/_._", StringComparison.Ordinal) && f.Name != "_._"));

        private static string? HexOfBase64(string? base64)
        {
            if (string.IsNullOrEmpty(base64)) return null;
            try { return string.Concat(Convert.FromBase64String(base64).Select(b => b.ToString("x2"))); }
            catch (FormatException) { return null; }
        }

        /// <summary>The &lt;license type="expression"&gt; of the package's nuspec in the first package folder that has it.</summary>
        private static string? LicenseOf(IEnumerable<string> folders, string? relativePath, string name)
        {
            if (string.IsNullOrEmpty(relativePath)) return null;
            foreach (var folder in folders)
            {
                var nuspec = Path.Combine(folder, relativePath, name.ToLowerInvariant() + ".nuspec");
                if (!File.Exists(nuspec)) continue;
                try
                {
                    var license = XDocument.Load(nuspec).Descendants().FirstOrDefault(e => e.Name.LocalName == "license");
                    return license != null && (string?)license.Attribute("type") == "expression" ? license.Value.Trim() : null;
                }
                catch (System.Xml.XmlException) { return null; }
            }
            return null;
        }
    }
}
