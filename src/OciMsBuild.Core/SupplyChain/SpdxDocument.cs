using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Build;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>What an image's SBOM is made from: all of it known after the image is built.</summary>
    public sealed class SbomInputs
    {
        /// <summary>The image's repository (no registry, no tag): names the image package.</summary>
        public string ImageName { get; set; } = "";
        /// <summary>The platform image's manifest digest: the SBOM's subject.</summary>
        public string ManifestDigest { get; set; } = "";
        public string AppName { get; set; } = "";
        public string AppVersion { get; set; } = "";
        public IReadOnlyList<InventoryEntry> Dependencies { get; set; } = new InventoryEntry[0];
        /// <summary>.NET shared frameworks the app runs on (Microsoft.NETCore.App 10.0.12, …): in the image when self-contained, else from the base.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Runtimes { get; set; } = new KeyValuePair<string, string>[0];
        /// <summary>The base's registry reference (null for a local base or scratch) and manifest digest (null for scratch).</summary>
        public string? BaseName { get; set; }
        public string? BaseDigest { get; set; }
        /// <summary>The packages of the base's own SBOM (its referrer), listed as contained in the base.</summary>
        public IReadOnlyList<JObject> BasePackages { get; set; } = new JObject[0];
        public DateTimeOffset Created { get; set; }
        public string ToolVersion { get; set; } = "";
    }

    /// <summary>
    /// The image's SBOM as an SPDX 2.3 JSON document: the image, the app, every NuGet package and
    /// ProjectReference (version, license, purl, SHA-512), the .NET runtime and the base image by digest.
    /// Deterministic: the same inputs give the same bytes (no clock, no random namespace, sorted).
    /// </summary>
    public static class SpdxDocument
    {
        public const string MediaType = "application/spdx+json";
        private static readonly Regex NotIdChar = new Regex("[^A-Za-z0-9.-]+", RegexOptions.Compiled);

        public static byte[] Create(SbomInputs inputs)
        {
            var packages = new List<JObject>();
            var relationships = new List<(string From, string Type, string To)>();
            const string imageId = "SPDXRef-Image";
            var appId = Id("App", inputs.AppName);

            packages.Add(Package(imageId, inputs.ImageName, inputs.ManifestDigest, "CONTAINER",
                Purl("oci", inputs.ImageName, inputs.ManifestDigest), Sha256Of(inputs.ManifestDigest)));
            packages.Add(Package(appId, inputs.AppName, inputs.AppVersion, "APPLICATION", null, null));
            relationships.Add(("SPDXRef-DOCUMENT", "DESCRIBES", imageId));
            relationships.Add((imageId, "CONTAINS", appId));

            foreach (var dep in inputs.Dependencies)
            {
                var id = Id(dep.Type == "project" ? "Project" : "Package", dep.Name + "-" + dep.Version);
                var package = Package(id, dep.Name, dep.Version, "LIBRARY",
                    dep.Type == "package" ? "pkg:nuget/" + dep.Name + "@" + dep.Version : null, null);
                if (dep.Sha512 != null)
                    package["checksums"] = new JArray(new JObject { ["algorithm"] = "SHA512", ["checksumValue"] = dep.Sha512 });
                if (dep.License != null) package["licenseDeclared"] = dep.License;
                packages.Add(package);
                relationships.Add((appId, "DEPENDS_ON", id));
            }
            foreach (var runtime in inputs.Runtimes)
            {
                var id = Id("Runtime", runtime.Key + "-" + runtime.Value);
                packages.Add(Package(id, runtime.Key, runtime.Value, "FRAMEWORK", "pkg:nuget/" + runtime.Key + "@" + runtime.Value, null));
                relationships.Add((appId, "DEPENDS_ON", id));
            }
            if (inputs.BaseDigest != null)
            {
                const string baseId = "SPDXRef-BaseImage";
                var name = inputs.BaseName ?? "base";
                packages.Add(Package(baseId, name, inputs.BaseDigest, "CONTAINER",
                    inputs.BaseName != null ? BasePurl(inputs.BaseName, inputs.BaseDigest) : null, Sha256Of(inputs.BaseDigest)));
                relationships.Add((imageId, "DESCENDANT_OF", baseId));
                foreach (var package in inputs.BasePackages)
                {
                    var original = (string?)package["SPDXID"] ?? "";
                    var id = Id("Base", original.StartsWith("SPDXRef-", StringComparison.Ordinal) ? original.Substring(8) : original);
                    var copy = Package(id, (string?)package["name"] ?? "", (string?)package["versionInfo"] ?? "", "LIBRARY", null, null);
                    // What the base's SBOM says about each package, in the fields our documents use.
                    foreach (var field in new[] { "versionInfo", "licenseDeclared", "checksums", "externalRefs", "primaryPackagePurpose" })
                        if (package[field] != null) copy[field] = package[field]!.DeepClone();
                    packages.Add(copy);
                    relationships.Add((baseId, "CONTAINS", id));
                }
            }

            var document = new JObject
            {
                ["spdxVersion"] = "SPDX-2.3",
                ["dataLicense"] = "CC0-1.0",
                ["SPDXID"] = "SPDXRef-DOCUMENT",
                ["name"] = inputs.ImageName + "@" + inputs.ManifestDigest,
                // Unique per image and the same on every rebuild of it: named by the image's digest.
                ["documentNamespace"] = "https://ocimsbuild.invalid/spdx/" + inputs.ImageName + "/" + inputs.ManifestDigest.Replace(':', '-'),
                ["creationInfo"] = new JObject
                {
                    ["created"] = SourceDateEpoch.Format(inputs.Created),
                    ["creators"] = new JArray("Tool: OciMsBuild-" + inputs.ToolVersion),
                },
                ["packages"] = new JArray(packages.GroupBy(p => (string)p["SPDXID"]!).Select(g => g.First()).OrderBy(p => (string)p["SPDXID"]!, StringComparer.Ordinal)),
                ["relationships"] = new JArray(relationships.Distinct()
                    .OrderBy(r => r.From, StringComparer.Ordinal).ThenBy(r => r.Type, StringComparer.Ordinal).ThenBy(r => r.To, StringComparer.Ordinal)
                    .Select(r => new JObject { ["spdxElementId"] = r.From, ["relationshipType"] = r.Type, ["relatedSpdxElement"] = r.To })),
            };
            return Encoding.UTF8.GetBytes(document.ToString(Formatting.None));
        }

        private static JObject Package(string id, string name, string version, string purpose, string? purl, string? sha256)
        {
            var package = new JObject
            {
                ["SPDXID"] = id,
                ["name"] = name,
                ["versionInfo"] = version,
                ["downloadLocation"] = "NOASSERTION",
                ["filesAnalyzed"] = false,
                ["licenseConcluded"] = "NOASSERTION",
                ["licenseDeclared"] = "NOASSERTION",
                ["copyrightText"] = "NOASSERTION",
                ["primaryPackagePurpose"] = purpose,
            };
            // The app's version only when stamping: a version that follows the commit must not change unstamped SBOMs.
            if (string.IsNullOrEmpty(version)) package.Remove("versionInfo");
            if (sha256 != null) package["checksums"] = new JArray(new JObject { ["algorithm"] = "SHA256", ["checksumValue"] = sha256 });
            if (purl != null)
                package["externalRefs"] = new JArray(new JObject { ["referenceCategory"] = "PACKAGE-MANAGER", ["referenceType"] = "purl", ["referenceLocator"] = purl });
            return package;
        }

        private static string Id(string kind, string name) => "SPDXRef-" + kind + "-" + NotIdChar.Replace(name, "-");

        private static string? Sha256Of(string digest) => digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest.Substring(7) : null;

        private static string Purl(string type, string name, string digest) => "pkg:" + type + "/" + Uri.EscapeDataString(LastSegment(name)) + "@" + Uri.EscapeDataString(digest);

        /// <summary>pkg:oci/runtime@sha256%3A…?repository_url=mcr.microsoft.com/dotnet/runtime (the purl spec's OCI form).</summary>
        private static string BasePurl(string reference, string digest)
        {
            var withoutTag = reference;
            var at = withoutTag.IndexOf('@');
            if (at >= 0) withoutTag = withoutTag.Substring(0, at);
            var colon = withoutTag.LastIndexOf(':');
            if (colon > withoutTag.LastIndexOf('/')) withoutTag = withoutTag.Substring(0, colon);
            return Purl("oci", withoutTag, digest) + "?repository_url=" + withoutTag;
        }

        private static string LastSegment(string name) => name.Substring(name.LastIndexOf('/') + 1);
    }
}
