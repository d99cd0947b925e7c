using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Every image gets an SPDX SBOM and an in-toto SLSA provenance record as referrers: in the layout,
    /// and in a real registry (the referrers tag schema: Debian's distribution registry has no referrers
    /// API). Two clones of one commit give the same image, SBOM and provenance digests.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class AttestationTests
    {
        private const string SpdxType = "application/spdx+json";
        private const string InTotoType = "application/vnd.in-toto+json";

        /// <summary>(artifactType, artifact manifest digest) of every referrer in the layout's index.json, in order.</summary>
        private static List<(string Type, string Digest)> AllReferrers(TestProject project)
        {
            var index = ImageOnDisk.ParseVerbatim(File.ReadAllText(Path.Combine(project.LayoutPath, "index.json")));
            return index["manifests"]!.Where(m => m["artifactType"] != null)
                .Select(m => ((string)m["artifactType"]!, (string)m["digest"]!)).ToList();
        }

        /// <summary>artifactType → the artifact manifest's digest, for a single-platform image.</summary>
        private static Dictionary<string, string> Referrers(TestProject project) => AllReferrers(project).ToDictionary(r => r.Type, r => r.Digest);

        /// <summary>The artifact's payload (its one layer), and checks its subject is the image.</summary>
        private static JObject Payload(TestProject project, string artifactManifest)
        {
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            var manifest = image.ReadJsonBlob(artifactManifest);
            Assert.That((string)manifest["subject"]!["digest"]!, Is.EqualTo(image.Digest), "the artifact is about the image");
            Assert.That((string)manifest["config"]!["mediaType"]!, Is.EqualTo("application/vnd.oci.empty.v1+json"));
            return image.ReadJsonBlob((string)manifest["layers"]![0]!["digest"]!);
        }

        [Test]
        public void Two_clones_give_the_same_image_sbom_and_provenance_and_the_documents_are_valid()
        {
            var (one, two) = GitRepository.TwoClones(TestProject.Console());
            var baseImage = "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime";
            var multiBase = "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime-all";
            // Unstamped, one platform; then stamped, a two-platform index; each from clean bin/ and obj/.
            var rounds = new[]
            {
                new[] { "-r", "linux-x64", baseImage, "-p:ContainerStamp=false" },
                new[] { multiBase, "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"", "-p:ContainerStamp=true" },
            };
            foreach (var round in rounds)
            {
                foreach (var clone in new[] { one, two })
                {
                    foreach (var dir in Directory.GetDirectories(clone.Root, "*", SearchOption.AllDirectories).Where(d => d.EndsWith("/bin") || d.EndsWith("/obj")).ToList())
                        if (Directory.Exists(dir)) Directory.Delete(dir, true);
                    clone.Publish(round).AssertSuccess("publish " + clone.Root + " " + string.Join(" ", round));
                }
                var a = new ImageOnDisk(one.LayoutPath, one.SummaryPath);
                var b = new ImageOnDisk(two.LayoutPath, two.SummaryPath);
                TestContext.Out.WriteLine($"{string.Join(" ", round)}: root {a.Digest} ({(string)a.Summary["mediaType"]!}); referrers {string.Join(", ", AllReferrers(one))}");
                Assert.That(b.Digest, Is.EqualTo(a.Digest), "image or index");
                Assert.That(AllReferrers(two), Is.EqualTo(AllReferrers(one)), "every platform's SBOM and provenance");
                Assert.That(AllReferrers(one).Count, Is.EqualTo(round.Length == 4 ? 2 : 4), "two per platform");
            }
            // Back to one stamped platform for the document checks below.
            one.Publish("-r", "linux-x64", baseImage, "-p:ContainerStamp=true").AssertSuccess("publish clone one, stamped");

            // The SBOM: valid SPDX 2.3, with the app's packages, project, runtime and base.
            var sbom = Payload(one, Referrers(one)[SpdxType]);
            var schema = JsonSchema.FromFileAsync(Path.Combine(TestContext.CurrentContext.TestDirectory, "Schemas", "spdx-2.3-schema.json")).GetAwaiter().GetResult();
            Assert.That(schema.Validate(sbom.ToString()).Select(e => e.ToString()), Is.Empty, "SPDX 2.3 schema");
            var packages = sbom["packages"]!.ToDictionary(p => (string)p["SPDXID"]!);
            TestContext.Out.WriteLine("SBOM packages: " + string.Join(", ", packages.Keys));
            var json = packages["SPDXRef-Package-Newtonsoft.Json-13.0.3"];
            Assert.That((string?)json["licenseDeclared"], Is.EqualTo("MIT"));
            Assert.That((string?)json["externalRefs"]![0]!["referenceLocator"], Is.EqualTo("pkg:nuget/Newtonsoft.Json@13.0.3"));
            Assert.That(packages.Keys, Has.Some.StartsWith("SPDXRef-Project-Greeting-"));
            Assert.That(packages.Keys, Has.Some.StartsWith("SPDXRef-Runtime-Microsoft.NETCore.App-"));
            Assert.That((string?)packages["SPDXRef-BaseImage"]["versionInfo"], Does.StartWith("sha256:"));

            // The provenance: an in-toto statement about the image, with a SLSA v1 predicate and no machine path.
            var provenanceText = Payload(one, Referrers(one)[InTotoType]);
            var manifestDigest = new ImageOnDisk(one.LayoutPath, one.SummaryPath).Digest;
            Assert.That((string?)provenanceText["_type"], Is.EqualTo("https://in-toto.io/Statement/v1"));
            Assert.That((string?)provenanceText["subject"]![0]!["digest"]!["sha256"], Is.EqualTo(manifestDigest.Substring(7)));
            Assert.That((string?)provenanceText["predicateType"], Is.EqualTo("https://slsa.dev/provenance/v1"));
            var definition = provenanceText["predicate"]!["buildDefinition"]!;
            Assert.That((string?)definition["externalParameters"]!["project"], Is.EqualTo("HelloApp.csproj"));
            Assert.That((string?)definition["externalParameters"]!["configuration"], Is.EqualTo("Release"));
            var dependencies = definition["resolvedDependencies"]!.Select(d => (string)d["uri"]!).ToList();
            Assert.That(dependencies, Does.Contain("pkg:nuget/Newtonsoft.Json@13.0.3"));
            Assert.That(definition["resolvedDependencies"]!.Any(d => d["digest"]?["gitCommit"] != null), Is.True, "stamped: the commit");
            Assert.That((string?)provenanceText["predicate"]!["runDetails"]!["builder"]!["id"], Does.Contain("ocimsbuild"));
            var all = provenanceText.ToString() + sbom;
            Assert.That(all, Does.Not.Contain(one.Root).And.Not.Contain(TestEnvironment.WorkRoot), "no machine path");

            // skopeo and umoci still read the layout with its referrers in index.json.
            ImageTools.Validate(one.LayoutPath, "latest").AssertSuccess("validate the layout with referrers");

            // Off switches.
            one.Publish("-r", "linux-x64", baseImage, "-p:ContainerGenerateSbom=false", "-p:ContainerGenerateProvenance=false").AssertSuccess("publish without attestations");
            Assert.That(Referrers(one), Is.Empty);
        }

        /// <summary>skopeo's JSON line (its warnings, if any, come on their own lines).</summary>
        private static string JsonLine(string output) => output.Split('\n').Last(l => l.TrimStart().StartsWith("{", StringComparison.Ordinal));

        [Test]
        public void A_push_attaches_both_through_the_referrers_tag_of_the_image()
        {
            using var registry = RegistryServer.StartAnonymous();
            var project = TestProject.Console(name: "AttestedApp");
            project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", $"-p:ContainerRegistry={registry.Host}", "-p:ContainerRepository=team/attested")
                .AssertSuccess("publish with push");
            var digest = ImageTools.Skopeo("inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{registry.Host}/team/attested:latest")
                .AssertSuccess("skopeo inspect").Output.Trim().Split('\n').Last().Trim();
            var referrersTag = digest.Replace(':', '-');
            var raw = ImageTools.Skopeo("inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/team/attested:{referrersTag}").AssertSuccess("the referrers tag");
            var index = ImageOnDisk.ParseVerbatim(JsonLine(raw.Output));
            TestContext.Out.WriteLine(raw.Output);
            Assert.That(index["manifests"]!.Select(m => (string)m["artifactType"]!), Is.EquivalentTo(new[] { SpdxType, InTotoType }));
            foreach (var entry in index["manifests"]!)
            {
                var artifact = ImageOnDisk.ParseVerbatim(JsonLine(ImageTools.Skopeo("inspect", "--raw", "--tls-verify=false",
                    $"docker://{registry.Host}/team/attested@{(string)entry["digest"]!}").AssertSuccess("the artifact manifest").Output));
                Assert.That((string)artifact["subject"]!["digest"]!, Is.EqualTo(digest));
                Assert.That((string)artifact["artifactType"]!, Is.EqualTo((string)entry["artifactType"]!));
            }

            // An app built on that image: its SBOM lists the base's packages, read from the base's own SBOM.
            var onTop = TestProject.Console(name: "OnTopApp");
            onTop.Publish("-r", "linux-x64", $"-p:ContainerBaseImage={registry.Host}/team/attested:latest").AssertSuccess("publish over the attested image");
            var sbom = Payload(onTop, Referrers(onTop)[SpdxType]);
            var ids = sbom["packages"]!.Select(p => (string)p["SPDXID"]!).ToList();
            TestContext.Out.WriteLine("SBOM over an attested base: " + string.Join(", ", ids));
            Assert.That(ids, Does.Contain("SPDXRef-Base-Package-Newtonsoft.Json-13.0.3").And.Contain("SPDXRef-Base-App-AttestedApp"));
            Assert.That(sbom["relationships"]!.Any(r => (string)r["spdxElementId"]! == "SPDXRef-BaseImage" && (string)r["relationshipType"]! == "CONTAINS"), Is.True);
        }
    }
}
