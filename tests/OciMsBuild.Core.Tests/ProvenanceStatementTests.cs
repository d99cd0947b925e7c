using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.SupplyChain;

namespace OciMsBuild.Core.Tests
{
    public sealed class ProvenanceStatementTests
    {
        private static readonly string Manifest = "sha256:" + new string('e', 64);

        private static ProvenanceInputs Inputs() => new ProvenanceInputs
        {
            ImageName = "team/hello",
            ManifestDigest = Manifest,
            ProjectFile = "HelloApp.csproj",
            Configuration = "Release",
            RuntimeIdentifiers = new[] { "linux-x64", "linux-arm64" },
            BaseName = "registry.example/dotnet/runtime:10.0",
            BaseDigest = "sha256:" + new string('b', 64),
            SdkVersion = "10.0.401",
            ToolVersion = "1.2.3",
            Dependencies = new[]
            {
                new InventoryEntry { Name = "Newtonsoft.Json", Version = "13.0.3", Type = "package", Sha512 = "ab12" },
                new InventoryEntry { Name = "Greeting", Version = "1.0.0", Type = "project" },
            },
            SourceRepository = "https://example.invalid/hello",
            SourceRevision = "0123456789abcdef0123456789abcdef01234567",
        };

        [Test]
        public void An_in_toto_statement_about_the_image_with_a_slsa_v1_predicate()
        {
            var text = Encoding.UTF8.GetString(ProvenanceStatement.Create(Inputs()));
            TestContext.Out.WriteLine(text);
            var statement = JObject.Parse(text);
            Assert.That((string?)statement["_type"], Is.EqualTo("https://in-toto.io/Statement/v1"));
            Assert.That((string?)statement["subject"]![0]!["name"], Is.EqualTo("team/hello"));
            Assert.That((string?)statement["subject"]![0]!["digest"]!["sha256"], Is.EqualTo(new string('e', 64)));
            Assert.That((string?)statement["predicateType"], Is.EqualTo("https://slsa.dev/provenance/v1"));
            var definition = statement["predicate"]!["buildDefinition"]!;
            Assert.That((string?)definition["buildType"], Does.StartWith("https://"));
            Assert.That(definition["externalParameters"]!["runtimeIdentifiers"]!.Select(r => (string)r!), Is.EqualTo(new[] { "linux-arm64", "linux-x64" }));
            Assert.That((string?)definition["externalParameters"]!["baseImage"], Is.EqualTo("registry.example/dotnet/runtime:10.0@sha256:" + new string('b', 64)));
            var dependencies = definition["resolvedDependencies"]!.ToDictionary(d => (string?)d["uri"] ?? (string)d["name"]!, d => d["digest"]);
            Assert.That((string?)dependencies["pkg:nuget/Newtonsoft.Json@13.0.3"]!["sha512"], Is.EqualTo("ab12"));
            Assert.That((string?)dependencies["git+https://example.invalid/hello"]!["gitCommit"], Is.EqualTo("0123456789abcdef0123456789abcdef01234567"));
            Assert.That(dependencies.Keys, Has.None.Contains("Greeting"), "a ProjectReference is source, not a resolved dependency");
            Assert.That(dependencies.Keys, Does.Contain("pkg:nuget/Microsoft.NET.Sdk@10.0.401"));
            Assert.That((string?)statement["predicate"]!["runDetails"]!["builder"]!["id"], Does.EndWith("@v1.2.3"));
            Assert.That(text, Does.Not.Contain("startedOn").And.Not.Contain("invocationId"), "no clock, no random id");
        }

        [Test]
        public void The_same_inputs_give_the_same_bytes_and_unknown_commit_or_base_is_left_out()
        {
            Assert.That(ProvenanceStatement.Create(Inputs()), Is.EqualTo(ProvenanceStatement.Create(Inputs())));
            var bare = Inputs();
            bare.SourceRevision = null;
            bare.SourceRepository = null;
            bare.BaseName = null;
            bare.BaseDigest = null;
            var text = Encoding.UTF8.GetString(ProvenanceStatement.Create(bare));
            Assert.That(text, Does.Not.Contain("gitCommit").And.Not.Contain("baseImage").And.Not.Contain("oci://"));

            var noRemote = Inputs();
            noRemote.SourceRepository = null;
            var local = JObject.Parse(Encoding.UTF8.GetString(ProvenanceStatement.Create(noRemote)));
            var source = local["predicate"]!["buildDefinition"]!["resolvedDependencies"]!.Single(d => d["digest"]?["gitCommit"] != null);
            Assert.That((string?)source["name"], Is.EqualTo("source"), "a commit without a known remote");
            Assert.That(source["uri"], Is.Null);
        }
    }
}
