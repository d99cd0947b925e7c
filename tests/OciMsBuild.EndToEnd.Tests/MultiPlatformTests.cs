using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// ContainerRuntimeIdentifiers: one publish per RID, one image per platform, an image index over
    /// them; read back by skopeo and umoci, run on amd64 natively and on arm64 under qemu-user-static
    /// (binfmt_misc, registered for this fixture and removed again afterwards).
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class MultiPlatformTests
    {
        private const string TwoRids = "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"";
        private static readonly Dictionary<string, string?> Arm64 = new Dictionary<string, string?> { ["ARCH"] = "arm64" };

        [OneTimeSetUp]
        public void EnableArm64Emulation()
        {
            TestEnvironment.RequireTool("qemu-aarch64-static");
            Emulation("on").AssertSuccess("arm64-emulation.sh on");
        }

        [OneTimeTearDown]
        public void DisableArm64Emulation() => Emulation("off");

        private static ProcessResult Emulation(string verb) =>
            ProcessRunner.Run(Path.Combine(TestEnvironment.Scripts, "arm64-emulation.sh"), new[] { verb }, TestEnvironment.RepoRoot);

        private static string Base(string tag) => "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":" + tag;

        [Test]
        public void A_self_contained_console_app_for_x64_and_arm64_is_one_index_whose_images_run_on_both()
        {
            var project = TestProject.Console(name: "MultiApp");
            var publish = project.Publish("--self-contained", TwoRids, Base("deps-all"), "-p:ContainerArchiveOutputPath=" + project.ArchivePath)
                .AssertSuccess("dotnet publish --self-contained with two RIDs");

            // --self-contained made the outer publish linux-x64: that output is the amd64 image; only arm64 is published again.
            var work = Path.Combine(project.Directory_, "obj", "container", "Release", "net10.0");
            Assert.That(Directory.Exists(Path.Combine(work, "linux-arm64", "publish")), Is.True, "arm64 is cross-published under obj/");
            Assert.That(Directory.Exists(Path.Combine(work, "linux-x64", "publish")), Is.False, "the outer linux-x64 publish is used, not repeated");

            var (index, indexDigest) = RawIndex("oci:" + project.LayoutPath + ":latest");
            Assert.That((string)index["mediaType"]!, Is.EqualTo("application/vnd.oci.image.index.v1+json"));
            Assert.That(Platforms(index), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));

            var summary = JObject.Parse(File.ReadAllText(project.SummaryPath));
            Assert.That((string)summary["digest"]!, Is.EqualTo(indexDigest), "the summary names the index");
            var layers = summary["platforms"]!.ToDictionary(p => (string)p["runtimeIdentifier"]!, p => p["layers"]!.ToDictionary(l => (string)l["kind"]!, l => (string)l["digest"]!));
            Assert.That(layers["linux-x64"]["runtime"], Is.Not.EqualTo(layers["linux-arm64"]["runtime"]), "each platform's own runtime");
            foreach (var shared in new[] { "packages", "project-references", "app" })
                Assert.That(layers["linux-x64"][shared], Is.EqualTo(layers["linux-arm64"][shared]), shared + " is the same blob on both platforms");
            Assert.That(layers["linux-x64"]["app-host"], Is.Not.EqualTo(layers["linux-arm64"]["app-host"]));

            // umoci unpack of every platform, skopeo of the layout and of the tarball (OCI and docker-archive views).
            ImageTools.Validate(project.LayoutPath, "latest", project.ArchivePath).AssertSuccess("validate-image.sh of the index");

            var amd = ImageTools.Run("oci:" + project.LayoutPath + ":latest").AssertSuccess("run amd64");
            Assert.That(amd.Output, Does.Contain("Hello, container! json={\"arch\":\"X64\"}"));
            var arm = ImageTools.Run("oci:" + project.LayoutPath + ":latest", Arm64).AssertSuccess("run arm64 under qemu");
            Assert.That(arm.Output, Does.Contain("Hello, container! json={\"arch\":\"Arm64\"}"));

            // The tarball: skopeo --all sees both platforms; podman load gets a runnable image from manifest.json.
            var copied = Path.Combine(project.Root, "from-archive");
            ImageTools.Skopeo("--insecure-policy", "copy", "--all", "oci-archive:" + project.ArchivePath, "oci:" + copied + ":all").AssertSuccess("skopeo copy --all oci-archive");
            Assert.That(Platforms(RawIndex("oci:" + copied + ":all").Index), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));
            var loaded = ImageTools.Load(project.ArchivePath).AssertSuccess("podman load of the multi-arch tarball + run");
            Assert.That(loaded.Output, Does.Contain("json={\"arch\":\"X64\"}"), "the building machine's platform is the one docker/podman load");
            Assert.That(publish.Output, Does.Contain("linux/arm64/v8 (linux-arm64)"));
        }

        [Test]
        public void A_framework_dependent_web_app_shares_its_app_layer_pushes_each_blob_once_and_runs_on_both()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var project = TestProject.Web(name: "MultiWeb");
            var layout = Path.Combine(project.Root, "layout");
            var publish = project.Publish(TwoRids, Base("aspnet-all"), "-p:ContainerRegistry=" + proxy.Host, "-p:ContainerRepository=team/web",
                    "-p:ContainerImageTags=\"1.0;latest\"", "-p:ContainerLayoutOutputPath=" + layout,
                    "-p:ContainerArchiveOutputPath=" + project.ArchivePath, "-p:ContainerArchivePlatform=linux/arm64")
                .AssertSuccess("framework-dependent publish of two RIDs with a push");

            var summary = JObject.Parse(File.ReadAllText(project.SummaryPath));
            var platforms = summary["platforms"]!.ToDictionary(p => (string)p["runtimeIdentifier"]!);
            string LayerOf(string rid, string kind) => (string)platforms[rid]["layers"]!.Single(l => (string)l["kind"]! == kind)["digest"]!;
            Assert.That(platforms["linux-x64"]["layers"]!.Select(l => (string)l["kind"]!).Distinct(), Is.EqualTo(new[] { "base", "app-host", "app" }));
            var sharedApp = LayerOf("linux-x64", "app");
            Assert.That(LayerOf("linux-arm64", "app"), Is.EqualTo(sharedApp), "the app's own files are identical on both platforms");
            Assert.That(LayerOf("linux-arm64", "app-host"), Is.Not.EqualTo(LayerOf("linux-x64", "app-host")), "only the apphost and deps.json differ");

            // Pushed: every blob once (the shared app layer one upload), manifests by digest, the index under the two tags only.
            var uploads = proxy.Requests.Where(r => r.Method == "PUT" && r.IsBlobUpload).Select(r => System.Uri.UnescapeDataString(r.PathAndQuery)).ToList();
            Assert.That(uploads.Count(q => q.Contains("digest=" + sharedApp)), Is.EqualTo(1), "the shared layer goes up once");
            Assert.That(uploads.Select(q => Regex.Match(q, "digest=(sha256:[0-9a-f]+)").Groups[1].Value).Distinct().Count(), Is.EqualTo(uploads.Count), "no blob is uploaded twice");
            var pushed = Regex.Match(publish.Output, @"OciMsBuild: pushed \S+ (sha256:[0-9a-f]{64}) \((\d+) blobs uploaded \(([\d.]+) MB\)");
            Assert.That(pushed.Success, Is.True, "the push line: " + publish.Output);
            TestContext.Progress.WriteLine($"two-platform framework-dependent push: {pushed.Groups[2].Value} blobs uploaded, {pushed.Groups[3].Value} MB");
            var indexDigest = pushed.Groups[1].Value;
            var manifestPuts = proxy.Requests.Where(r => r.Method == "PUT" && r.Path.Contains("/manifests/")).Select(r => r.Path.Substring(r.Path.LastIndexOf('/') + 1)).ToList();
            var x64 = (string)platforms["linux-x64"]["digest"]!;
            var arm64 = (string)platforms["linux-arm64"]["digest"]!;
            Assert.That(manifestPuts.Take(2), Is.EqualTo(new[] { x64, arm64 }), "the platforms by digest first");
            Assert.That(manifestPuts.Skip(manifestPuts.Count - 2), Is.EqualTo(new[] { "1.0", "latest" }), "the index under each tag last");
            // Between them: each platform's SBOM and provenance by digest, then its referrers tag (no referrers API here).
            var referrerPuts = manifestPuts.Skip(2).Take(manifestPuts.Count - 4).ToList();
            Assert.That(referrerPuts.Where(p => p.StartsWith("sha256-")), Is.EqualTo(new[] { x64.Replace(':', '-'), arm64.Replace(':', '-') }));
            Assert.That(referrerPuts.Count(p => p.StartsWith("sha256:")), Is.EqualTo(4), "two attestations per platform");
            Assert.That(registry.Storage.Tags("team/web").Where(t => !t.StartsWith("sha256-")), Is.EquivalentTo(new[] { "1.0", "latest" }), "no per-platform tags");

            var remote = $"docker://{registry.Host}/team/web:1.0";
            var (index, remoteDigest) = RawIndex(remote, "--tls-verify=false");
            Assert.That(remoteDigest, Is.EqualTo(indexDigest));
            Assert.That(Platforms(index), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));
            var pulled = Path.Combine(project.Root, "pulled");
            ImageTools.Skopeo("--insecure-policy", "copy", "--all", "--src-tls-verify=false", remote, "oci:" + pulled + ":1.0").AssertSuccess("skopeo copy --all from the registry");
            ImageTools.Validate(pulled, "1.0").AssertSuccess("umoci unpack of every pulled platform");

            ImageTools.RunWeb("oci:" + layout + ":latest", ImageTools.FreePort(), "/", "hello from the web image on X64").AssertSuccess("web app on amd64");
            ImageTools.RunWeb("oci:" + layout + ":latest", ImageTools.FreePort(), "/", "hello from the web image on Arm64", Arm64).AssertSuccess("web app on arm64 under qemu");

            // ContainerArchivePlatform=linux/arm64: the tarball's manifest.json names the arm64 image's config.
            var manifestJson = JArray.Parse(ReadTarEntry(project.ArchivePath, "manifest.json"));
            Assert.That((string)manifestJson.Single()["Config"]!, Is.EqualTo("blobs/sha256/" + ((string)platforms["linux-arm64"]["configDigest"]!).Substring(7)));
        }

        [Test]
        public void The_project_RuntimeIdentifiers_with_dotnet_msbuild_and_the_Docker_format_give_a_manifest_list()
        {
            var project = TestProject.Console(name: "ListedRids", extraProperties: "<RuntimeIdentifiers>win-x64;linux-x64;linux-arm64</RuntimeIdentifiers>");
            // A restore that knows nothing of the image (no ContainerImage), then the publish target alone: the targets restore the RIDs themselves.
            project.RunDotNet(new[] { "restore", project.ProjectFile }).AssertSuccess("plain restore");
            var build = project.RunDotNet(new[] { "msbuild", project.ProjectFile, "-t:Publish", "-p:Configuration=Release", "-p:ContainerImage=true",
                Base("runtime-all"), "-p:ContainerImageFormat=Docker" }).AssertSuccess("dotnet msbuild -t:Publish");
            Assert.That(build.Output, Does.Not.Contain("NETSDK1047"));

            var summary = JObject.Parse(File.ReadAllText(project.SummaryPath));
            Assert.That((string)summary["mediaType"]!, Is.EqualTo("application/vnd.docker.distribution.manifest.list.v2+json"));
            var list = ImageOnDisk.ParseVerbatim(File.ReadAllText(Path.Combine(project.LayoutPath, "blobs", "sha256", ((string)summary["digest"]!).Substring(7))));
            Assert.That(Platforms(list), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }), "the Linux RIDs of RuntimeIdentifiers; win-x64 is no image");
            Assert.That(list["manifests"]!.Select(m => (string)m["mediaType"]!).Distinct(), Is.EqualTo(new[] { "application/vnd.docker.distribution.manifest.v2+json" }));
            Assert.That(list["annotations"], Is.Null, "a Docker manifest list has no annotations");
        }

        [Test]
        public void A_base_without_arm64_or_two_RIDs_of_one_platform_are_coded_errors()
        {
            var project = TestProject.Console(name: "NoArmBase");
            var missing = project.Publish(TwoRids, Base("multi"));
            Assert.That(missing.ExitCode, Is.Not.EqualTo(0));
            Assert.That(missing.Output, Does.Match(@"error OCI1006: ContainerBaseImage '[^']*:multi' has no image for linux/arm64/v8\. It has: linux/amd64"));

            var clash = project.Publish("-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-musl-x64\"", Base("multi"));
            Assert.That(clash.ExitCode, Is.Not.EqualTo(0));
            Assert.That(clash.Output, Does.Contain("error OCI1022: ContainerRuntimeIdentifiers has linux-x64 and linux-musl-x64, which are both linux/amd64"));
        }

        /// <summary>skopeo inspect --raw: the document and the digest of its exact bytes.</summary>
        private static (JObject Index, string Digest) RawIndex(string source, params string[] options)
        {
            var args = new List<string> { "inspect", "--raw" };
            args.AddRange(options);
            args.Add(source);
            var result = ImageTools.Skopeo(args.ToArray()).AssertSuccess("skopeo inspect --raw " + source);
            var raw = result.Output.Substring(result.Output.IndexOf('{')).TrimEnd('\n', '\r');
            var digest = "sha256:" + System.Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(raw))).ToLowerInvariant();
            return (ImageOnDisk.ParseVerbatim(raw), digest);
        }

        private static string ReadTarEntry(string tarball, string name)
        {
            using var reader = new System.Formats.Tar.TarReader(File.OpenRead(tarball));
            for (var entry = reader.GetNextEntry(); entry != null; entry = reader.GetNextEntry())
                if (entry.Name == name) return new StreamReader(entry.DataStream!).ReadToEnd();
            throw new AssertionException(name + " is not in " + tarball);
        }

        private static IEnumerable<string> Platforms(JObject index) =>
            index["manifests"]!.Select(m => m["platform"]!).Select(p => (string)p["os"]! + "/" + (string)p["architecture"]! + (p["variant"] == null ? "" : "/" + (string)p["variant"]!)).ToList();
    }
}
