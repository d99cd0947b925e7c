using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.SupplyChain;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public sealed class SpdxDocumentTests
    {
        private static readonly string Manifest = "sha256:" + new string('e', 64);
        private static readonly string Base = "sha256:" + new string('b', 64);

        private static SbomInputs Inputs(IReadOnlyList<InventoryEntry>? dependencies = null) => new SbomInputs
        {
            ImageName = "team/hello",
            ManifestDigest = Manifest,
            AppName = "HelloApp",
            AppVersion = "2.3.4",
            Dependencies = dependencies ?? new[]
            {
                new InventoryEntry { Name = "Newtonsoft.Json", Version = "13.0.3", Type = "package", Sha512 = "ab12", License = "MIT" },
                new InventoryEntry { Name = "Greeting", Version = "1.0.0", Type = "project" },
            },
            Runtimes = new[] { new KeyValuePair<string, string>("Microsoft.NETCore.App", "10.0.12") },
            BaseName = "registry.example/dotnet/runtime-deps:10.0",
            BaseDigest = Base,
            Created = DateTimeOffset.FromUnixTimeSeconds(1700000000),
            ToolVersion = "1.2.3",
        };

        [Test]
        public void The_document_is_valid_SPDX_2_3_and_lists_the_app_packages_projects_runtime_and_base()
        {
            var bytes = SpdxDocument.Create(Inputs());
            TestContext.Out.WriteLine(Encoding.UTF8.GetString(bytes));
            OciSchemas.AssertValid(OciSchemas.Spdx, bytes);
            using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(Encoding.UTF8.GetString(bytes))) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
            var doc = JObject.Load(reader);
            Assert.That((string?)doc["spdxVersion"], Is.EqualTo("SPDX-2.3"));
            Assert.That((string?)doc["creationInfo"]!["created"], Is.EqualTo("2023-11-14T22:13:20Z"), "the image's time, never the clock");
            var packages = doc["packages"]!.ToDictionary(p => (string)p["SPDXID"]!);
            Assert.That(packages.Keys, Is.EquivalentTo(new[]
            {
                "SPDXRef-Image", "SPDXRef-App-HelloApp", "SPDXRef-Package-Newtonsoft.Json-13.0.3", "SPDXRef-Project-Greeting-1.0.0",
                "SPDXRef-Runtime-Microsoft.NETCore.App-10.0.12", "SPDXRef-BaseImage",
            }));
            var json = packages["SPDXRef-Package-Newtonsoft.Json-13.0.3"];
            Assert.That((string?)json["licenseDeclared"], Is.EqualTo("MIT"));
            Assert.That((string?)json["externalRefs"]![0]!["referenceLocator"], Is.EqualTo("pkg:nuget/Newtonsoft.Json@13.0.3"));
            Assert.That((string?)json["checksums"]![0]!["algorithm"], Is.EqualTo("SHA512"));
            var baseImage = packages["SPDXRef-BaseImage"];
            Assert.That((string?)baseImage["versionInfo"], Is.EqualTo(Base));
            Assert.That((string?)baseImage["externalRefs"]![0]!["referenceLocator"],
                Is.EqualTo("pkg:oci/runtime-deps@sha256%3A" + new string('b', 64) + "?repository_url=registry.example/dotnet/runtime-deps"));
            var relations = doc["relationships"]!.Select(r => (string)r["spdxElementId"]! + " " + (string)r["relationshipType"]! + " " + (string)r["relatedSpdxElement"]!).ToList();
            Assert.That(relations, Does.Contain("SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image"));
            Assert.That(relations, Does.Contain("SPDXRef-Image DESCENDANT_OF SPDXRef-BaseImage"));
            Assert.That(relations, Does.Contain("SPDXRef-App-HelloApp DEPENDS_ON SPDXRef-Project-Greeting-1.0.0"));
        }

        [Test]
        public void The_same_inputs_in_any_order_give_the_same_bytes()
        {
            var one = SpdxDocument.Create(Inputs());
            var reversed = Inputs();
            reversed.Dependencies = reversed.Dependencies.Reverse().ToList();
            Assert.That(SpdxDocument.Create(reversed), Is.EqualTo(one));
            Assert.That(Encoding.UTF8.GetString(one), Does.Contain("\"documentNamespace\":\"https://ocimsbuild.invalid/spdx/team/hello/sha256-"));
        }

        [Test]
        public void A_scratch_image_has_no_base_package_and_odd_names_become_valid_ids()
        {
            var inputs = Inputs(new[] { new InventoryEntry { Name = "Odd_Name+Pkg", Version = "1.0.0-beta+build", Type = "package" } });
            inputs.BaseDigest = null;
            inputs.BaseName = null;
            var bytes = SpdxDocument.Create(inputs);
            OciSchemas.AssertValid(OciSchemas.Spdx, bytes);
            Assert.That(Encoding.UTF8.GetString(bytes), Does.Not.Contain("SPDXRef-BaseImage").And.Contain("SPDXRef-Package-Odd-Name-Pkg-1.0.0-beta-build"));
        }

        [Test]
        public void The_base_images_own_packages_are_listed_as_contained_in_the_base()
        {
            var inputs = Inputs();
            inputs.BasePackages = new[]
            {
                JObject.Parse("{\"SPDXID\":\"SPDXRef-Package-libssl3-3.0.15\",\"name\":\"libssl3\",\"versionInfo\":\"3.0.15\",\"downloadLocation\":\"NOASSERTION\",\"licenseDeclared\":\"Apache-2.0\",\"supplier\":\"Organization: Debian\"}"),
            };
            var bytes = SpdxDocument.Create(inputs);
            OciSchemas.AssertValid(OciSchemas.Spdx, bytes);
            var text = Encoding.UTF8.GetString(bytes);
            Assert.That(text, Does.Contain("\"SPDXID\":\"SPDXRef-Base-Package-libssl3-3.0.15\"").And.Contain("\"licenseDeclared\":\"Apache-2.0\""));
            Assert.That(text, Does.Contain("{\"spdxElementId\":\"SPDXRef-BaseImage\",\"relationshipType\":\"CONTAINS\",\"relatedSpdxElement\":\"SPDXRef-Base-Package-libssl3-3.0.15\"}"));
        }

        [Test]
        public void The_inventory_reads_the_rid_target_with_hashes_and_nuspec_licenses()
        {
            var dir = Path.Combine(Path.GetTempPath(), "assets-" + Guid.NewGuid().ToString("N"));
            var packages = Path.Combine(dir, "packages");
            Directory.CreateDirectory(Path.Combine(packages, "newtonsoft.json", "13.0.3"));
            File.WriteAllText(Path.Combine(packages, "newtonsoft.json", "13.0.3", "newtonsoft.json.nuspec"),
                "<?xml version=\"1.0\"?><package xmlns=\"http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd\"><metadata><id>Newtonsoft.Json</id><license type=\"expression\">MIT</license></metadata></package>");
            var assets = new JObject
            {
                ["version"] = 3,
                ["targets"] = new JObject
                {
                    ["net10.0"] = new JObject { ["Only.Neutral/1.0.0"] = new JObject { ["type"] = "package", ["native"] = new JObject { ["runtimes/linux-x64/native/libx.so"] = new JObject() } } },
                    ["net10.0/linux-x64"] = new JObject
                    {
                        ["Newtonsoft.Json/13.0.3"] = new JObject { ["type"] = "package", ["runtime"] = new JObject { ["lib/net6.0/Newtonsoft.Json.dll"] = new JObject() } },
                        ["Greeting/1.0.0"] = new JObject { ["type"] = "project" },
                        ["Build.Only.Tool/1.0.0"] = new JObject { ["type"] = "package", ["build"] = new JObject { ["build/Build.Only.Tool.targets"] = new JObject() } },
                        ["Placeholder.Only/1.0.0"] = new JObject { ["type"] = "package", ["runtime"] = new JObject { ["lib/net10.0/_._"] = new JObject() } },
                    },
                },
                ["libraries"] = new JObject
                {
                    ["Newtonsoft.Json/13.0.3"] = new JObject { ["type"] = "package", ["path"] = "newtonsoft.json/13.0.3", ["sha512"] = Convert.ToBase64String(new byte[] { 0xab, 0x12 }) },
                    ["Greeting/1.0.0"] = new JObject { ["type"] = "project", ["path"] = "../Greeting/Greeting.csproj" },
                },
                ["packageFolders"] = new JObject { [packages + Path.DirectorySeparatorChar] = new JObject() },
            };
            var path = Path.Combine(dir, "project.assets.json");
            File.WriteAllText(path, assets.ToString());
            try
            {
                var entries = AssetsInventory.Read(path, "net10.0", "linux-x64");
                Assert.That(entries.Select(e => $"{e.Type} {e.Name} {e.Version} {e.Sha512} {e.License}"),
                    Is.EqualTo(new[] { "project Greeting 1.0.0  ", "package Newtonsoft.Json 13.0.3 ab12 MIT" }));
                Assert.That(AssetsInventory.Read(path, "net10.0", null).Select(e => e.Name), Is.EqualTo(new[] { "Only.Neutral" }));
            }
            finally { Directory.Delete(dir, true); }
        }
    }
}
