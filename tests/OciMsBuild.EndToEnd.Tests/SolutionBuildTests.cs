using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// `dotnet publish` of a whole solution (`dotnet new sln`: three self-contained services, the
    /// class library they share and an NUnit test project) with `-m` and with `-graph`, pushing to a
    /// real registry: every service gets its image, pushed in parallel by several MSBuild nodes,
    /// valid for skopeo and umoci and running; the library and the test project get none. Two
    /// solution builds at once share one blob store: no torn or duplicate entry, no temp file left.
    /// Every build starts from a clean checkout (a fresh copy of the sources) and pushes to a fresh
    /// registry; only the -graph build reuses a blob store (the -m build's: layers cached).
    /// With the package in every project and ContainerImage=true on the command line, the library
    /// and a test project that is not publishable must get no image and not fail the build.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class SolutionBuildTests
    {
        private static readonly string[] Services = { "Orders", "Billing", "Shipping" };

        /// <summary>
        /// What follows "-> pushed to HOST" on the report line: "(35.2 MB uploaded)", "(50.9 KB uploaded)"
        /// or "(nothing uploaded)": what this build sent, streamed and uploaded-ahead layers included.
        /// </summary>
        private const string UploadedPart = @" \((?<uploaded>\d+\.\d (?:KB|MB) uploaded|nothing uploaded)\)";

        /// <summary>The one line per image: "OciMsBuild: HOST/REPO:TAG1,TAG2 sha256:HEX (linux/amd64) -> WHERE".</summary>
        private static readonly Regex ReportLine = new Regex(@"OciMsBuild: (?<image>\S+) (?<digest>sha256:[0-9a-f]{64}) \((?<platform>[^()]*)\) -> (?<where>.*?)\s*$");

        /// <summary>Layer index entries after building the three services: runtime, packages, project-references (all shared) and one app layer each.</summary>
        private const int DistinctLayers = 6;

        private TestSolution _template = null!;
        private readonly List<RegistryServer> _registries = new List<RegistryServer>();
        private TimeSpan? _coldSolutionBuild;
        /// <summary>The blob store the -m build filled (layers cached), for the -graph build.</summary>
        private string? _warmStore;

        [OneTimeSetUp]
        public void CreateSolution()
        {
            _template = TestSolution.Create(Services);
            // Packages into the test run's package folder now (our package is new every run; NUnit's
            // on a first run), so that no timed build below pays for it. Copies take no bin/ or obj/.
            var restore = _template.RunDotNet(new[] { "restore", _template.SolutionFile }).AssertSuccess("dotnet restore of the solution");
            TestContext.Progress.WriteLine($"solution created and restored once: restore {restore.Duration.TotalSeconds:0.0} s");
        }

        [OneTimeTearDown]
        public void StopRegistries()
        {
            foreach (var registry in _registries) registry.Dispose();
        }

        [Test, Order(1)]
        public void Publish_of_the_solution_with_m_pushes_one_image_per_service_in_parallel_and_each_validates_and_runs()
        {
            var registry = StartRegistry();
            var store = FreshStore();
            var solution = _template.Copy();
            var result = solution.Publish(new[] { "-m" }.Concat(PushTo(registry, "1.0;latest", store)).ToArray());
            result.AssertSuccess("dotnet publish " + Path.GetFileName(solution.SolutionFile) + " -m");
            _coldSolutionBuild = result.Duration;
            _warmStore = store;
            TestContext.Progress.WriteLine($"solution -m, cold (3 services + library + test project): {result.Duration.TotalSeconds:0.0} s; " +
                                           $"runtime layer packed early {EarlyRuntimePacks(result)} time(s)");

            AssertServiceImages(result, registry, new[] { "1.0", "latest" }, run: true);
            Assert.That(EarlyRuntimePacks(result), Is.EqualTo(1), "the nodes pack the shared runtime layer once: the others wait and reuse it");
            AssertTheRuntimeLayerWentUpOnce(result, registry);
            AssertOnlyTheServicesGotImages(solution, registry, result);
            AssertStoreIntact(store);
        }

        [Test, Order(2)]
        public void The_three_services_published_one_by_one_for_comparison()
        {
            var registry = StartRegistry();
            var store = FreshStore();
            var solution = _template.Copy();
            var times = new List<TimeSpan>();
            var clock = Stopwatch.StartNew();
            foreach (var service in Services)
            {
                var result = solution.PublishProject(service, PushTo(registry, "1.0", store));
                result.AssertSuccess("dotnet publish " + service);
                times.Add(result.Duration);
            }
            clock.Stop();
            var solutionTime = _coldSolutionBuild.HasValue ? $"{_coldSolutionBuild.Value.TotalSeconds:0.0} s" : "(not measured: run the -m test first)";
            var ratio = _coldSolutionBuild.HasValue ? $"; one by one / solution -m = {clock.Elapsed.TotalSeconds / _coldSolutionBuild.Value.TotalSeconds:0.00}" : "";
            TestContext.Progress.WriteLine($"one by one, cold: {clock.Elapsed.TotalSeconds:0.0} s ({string.Join(" + ", times.Select(t => t.TotalSeconds.ToString("0.0")))}); " +
                                           $"solution -m, cold: {solutionTime}{ratio}");
            foreach (var service in Services)
                Assert.That(InspectDigest(registry, service, "1.0"), Is.EqualTo(registry.Storage.TagDigest(TestSolution.Repository(service), "1.0")), service);
            AssertStoreIntact(store);
        }

        /// <summary>
        /// A clean checkout (fresh copy, so everything compiles under the graph scheduler) and a fresh
        /// registry (every layer is really uploaded, by several nodes at once); the layers come from the
        /// blob store the -m build filled, when that test ran.
        /// </summary>
        [Test, Order(3)]
        public void Publish_of_the_solution_with_graph_pushes_one_image_per_service_in_parallel_and_each_validates_and_runs()
        {
            var registry = StartRegistry();
            var store = _warmStore ?? FreshStore();
            var solution = _template.Copy();
            var result = solution.Publish(new[] { "-graph", "-m" }.Concat(PushTo(registry, "2.0", store)).ToArray());
            result.AssertSuccess("dotnet publish " + Path.GetFileName(solution.SolutionFile) + " -graph -m");
            TestContext.Progress.WriteLine($"solution -graph -m, clean checkout, {(_warmStore != null ? "layers cached" : "cold blob store")}: {result.Duration.TotalSeconds:0.0} s; " +
                                           $"runtime layer packed early {EarlyRuntimePacks(result)} time(s)");

            AssertServiceImages(result, registry, new[] { "2.0" }, run: true);
            AssertTheRuntimeLayerWentUpOnce(result, registry);
            AssertOnlyTheServicesGotImages(solution, registry, result);
            AssertStoreIntact(store);
        }

        [Test, Order(4)]
        public void Two_solution_builds_at_once_share_one_blob_store_without_torn_or_duplicate_writes()
        {
            var registry = StartRegistry();
            var store = FreshStore();
            var copies = new[] { (Solution: _template.Copy(), Tag: "one"), (Solution: _template.Copy(), Tag: "two") };
            var clock = Stopwatch.StartNew();
            var runs = copies.Select(c => Task.Run(() => c.Solution.Publish(new[] { "-m" }.Concat(PushTo(registry, c.Tag, store)).ToArray()))).ToArray();
            Task.WaitAll(runs);
            clock.Stop();
            runs[0].Result.AssertSuccess("the first of two solution builds at once");
            runs[1].Result.AssertSuccess("the second of two solution builds at once");
            TestContext.Progress.WriteLine($"two solution builds at once (-m each), one blob store: {clock.Elapsed.TotalSeconds:0.0} s " +
                                           $"({runs[0].Result.Duration.TotalSeconds:0.0} s and {runs[1].Result.Duration.TotalSeconds:0.0} s); " +
                                           $"runtime layer packed early {EarlyRuntimePacks(runs[0].Result) + EarlyRuntimePacks(runs[1].Result)} time(s) in all");

            var one = AssertServiceImages(runs[0].Result, registry, new[] { "one" }, run: false);
            var two = AssertServiceImages(runs[1].Result, registry, new[] { "two" }, run: false);
            foreach (var service in Services)
                Assert.That(two[service], Is.EqualTo(one[service]), service + ": the same sources in another folder give the same image");
            Assert.That(EarlyRuntimePacks(runs[0].Result) + EarlyRuntimePacks(runs[1].Result), Is.EqualTo(1), "one runtime layer pack for both builds");
            AssertStoreIntact(store);
        }

        /// <summary>
        /// The package in every project (Directory.Build.props, as a GlobalPackageReference would do)
        /// and ContainerImage=true on the command line, so every project sees it: the service gets its
        /// image; the class library (OutputType Library) and the test project that opts out of
        /// publishing (IsPublishable=false) get none and do not fail the build.
        /// </summary>
        [Test, Order(5)]
        public void With_the_package_in_every_project_and_ContainerImage_on_the_command_line_only_the_service_gets_an_image()
        {
            var solution = TestSolution.Create(new[] { "Orders" }, selfContained: false, packageEverywhere: true, testsPublishable: false);
            var result = solution.Publish("-m", "-p:ContainerImage=true", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime",
                "-p:ContainerBlobCachePath=" + FreshStore());
            var images = ReportLines(result.Output).Select(m => m.Groups["image"].Value).ToList();
            TestContext.Progress.WriteLine($"package in every project, -p:ContainerImage=true: exit code {result.ExitCode}, images: {string.Join(", ", images)}");
            Assert.Multiple(() =>
            {
                Assert.That(result.ExitCode, Is.EqualTo(0), "the solution build succeeds:\n" + ErrorLines(result));
                Assert.That(images, Is.EqualTo(new[] { TestSolution.Repository("Orders") + ":latest" }),
                    "one image, the service's: none for the library Shared (OutputType Library) nor for Shop.Tests (IsPublishable=false)");
                foreach (var project in new[] { TestSolution.Library, TestSolution.Tests })
                    Assert.That(Directory.Exists(Path.Combine(solution.ProjectDirectory(project), "obj", "container")), Is.False, project + ": no image work at all");
                Assert.That(result.Output, Does.Contain($"OciMsBuild: no image for {TestSolution.Library}: a class library (OutputType Library)"));
                Assert.That(result.Output, Does.Contain($"OciMsBuild: no image for {TestSolution.Tests}: "), "the test project says why it has no image");
            });
            var service = Path.Combine(solution.ProjectDirectory("Orders"), "obj", "container", "Release", "net10.0", "image");
            ImageTools.Validate(service, "latest").AssertSuccess("validate-image.sh on the service's image");
        }

        /// <summary>The CI form without `dotnet publish`: `msbuild -restore -t:Publish` over the solution, on a clean checkout.</summary>
        [Test, Order(6)]
        public void Msbuild_restore_and_Publish_of_the_solution_pushes_one_image_per_service()
        {
            var registry = StartRegistry();
            var store = _warmStore ?? FreshStore();
            var solution = _template.Copy();
            var result = solution.RunDotNet(new[] { "msbuild", solution.SolutionFile, "-restore", "-t:Publish", "-p:Configuration=Release", "-m" }
                .Concat(PushTo(registry, "3.0", store)));
            result.AssertSuccess("dotnet msbuild " + Path.GetFileName(solution.SolutionFile) + " -restore -t:Publish -m");
            AssertServiceImages(result, registry, new[] { "3.0" }, run: false);
            AssertOnlyTheServicesGotImages(solution, registry, result);
            AssertStoreIntact(store);
        }

        // ---------------------------------------------------------------------------------------------

        private RegistryServer StartRegistry()
        {
            var registry = RegistryServer.StartAnonymous();
            _registries.Add(registry);
            ImageTools.Skopeo("--insecure-policy", "copy", "-q", "--dest-tls-verify=false", "oci:" + TestEnvironment.BaseLayout + ":deps",
                $"docker://{registry.Host}/dotnet/runtime-deps:10.0").AssertSuccess("skopeo copy of the base into the registry");
            return registry;
        }

        private static string FreshStore() => Path.Combine(TestProject.NewRoot(), "blob-store");

        /// <param name="tags">';'-separated, as ContainerImageTags.</param>
        private static string[] PushTo(RegistryServer registry, string tags, string store) => new[]
        {
            "-p:ContainerRegistry=" + registry.Host,
            $"-p:ContainerBaseImage={registry.Host}/dotnet/runtime-deps:10.0",
            $"-p:ContainerImageTags=\"{tags}\"",
            "-p:ContainerBlobCachePath=" + store,
        };

        private static List<Match> ReportLines(string output) =>
            output.Split('\n').Select(l => ReportLine.Match(l.TrimEnd('\r'))).Where(m => m.Success).ToList();

        /// <summary>
        /// The services share the runtime layer (~35 MB): one node sends it, the others wait for that
        /// upload and mount it. So one report line says MB, the others KB (their app layer and config).
        /// </summary>
        private static void AssertTheRuntimeLayerWentUpOnce(ProcessResult result, RegistryServer registry)
        {
            var uploaded = ReportLines(result.Output)
                .Select(m => Regex.Match(m.Groups["where"].Value, "^pushed to " + Regex.Escape(registry.Host) + UploadedPart + "$").Groups["uploaded"].Value)
                .ToList();
            Assert.That(uploaded, Has.Count.EqualTo(Services.Length));
            Assert.That(uploaded.Count(u => u.EndsWith(" MB uploaded")), Is.EqualTo(1), "exactly one service sent the runtime layer: " + string.Join("; ", uploaded));
            Assert.That(uploaded.Count(u => u.EndsWith(" KB uploaded")), Is.EqualTo(Services.Length - 1), "the others only their app layer and config: " + string.Join("; ", uploaded));
        }

        private static int EarlyRuntimePacks(ProcessResult result) => Regex.Matches(result.Output, Regex.Escape("OciMsBuild: packed layer runtime (early")).Count;

        private static string ErrorLines(ProcessResult result) =>
            string.Join("\n", result.Output.Split('\n').Where(l => l.Contains(": error ")).Distinct().Take(20));

        private static string InspectDigest(RegistryServer registry, string service, string tag)
        {
            var inspect = ImageTools.Skopeo("--insecure-policy", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                $"docker://{registry.Host}/{TestSolution.Repository(service)}:{tag}");
            inspect.AssertSuccess($"skopeo inspect {TestSolution.Repository(service)}:{tag}");
            return inspect.Output.Trim().Split('\n').Last().Trim();
        }

        /// <summary>
        /// Every service's tags are in the registry (skopeo inspect), the build printed exactly one
        /// report line for it naming those tags and the digest skopeo sees, pushed to this registry;
        /// the image pulled back into an OCI layout passes validate-image.sh (umoci unpack, skopeo
        /// re-hash) and, with <paramref name="run"/>, runs under podman printing its greeting.
        /// Checks run in parallel (separate tool processes and temp folders). Returns service → digest.
        /// </summary>
        private static Dictionary<string, string> AssertServiceImages(ProcessResult result, RegistryServer registry, string[] tags, bool run)
        {
            var lines = ReportLines(result.Output);
            var digests = new Dictionary<string, string>();
            foreach (var service in Services)
            {
                var repository = TestSolution.Repository(service);
                var digest = InspectDigest(registry, service, tags[0]);
                foreach (var tag in tags)
                    Assert.That(registry.Storage.TagDigest(repository, tag), Is.EqualTo(digest), $"{repository}:{tag} in the registry's storage");
                var name = $"{registry.Host}/{repository}:{string.Join(",", tags)}";
                var mine = lines.Where(m => m.Groups["image"].Value == name).ToList();
                Assert.That(mine, Has.Count.EqualTo(1), $"exactly one report line for {name} in:\n" + string.Join("\n", lines.Select(m => m.Value)));
                Assert.That(mine[0].Groups["digest"].Value, Is.EqualTo(digest), "the report line names the digest the registry has for " + name);
                Assert.That(mine[0].Groups["platform"].Value, Is.EqualTo("linux/amd64"));
                var where = Regex.Match(mine[0].Groups["where"].Value, "^pushed to " + Regex.Escape(registry.Host) + UploadedPart + "$");
                Assert.That(where.Success, Is.True, "the report line ends '-> pushed to HOST (… uploaded)': " + mine[0].Value);
                TestContext.Progress.WriteLine($"  {name} {digest} uploaded: {(where.Groups["uploaded"].Success ? where.Groups["uploaded"].Value : "(not reported)")}");
                Assert.That(registry.Storage.OpenUploads(repository), Is.Empty, repository + ": no upload session left open");
                digests[service] = digest;
            }

            var clock = Stopwatch.StartNew();
            var checks = Services.Select(service => Task.Run(() =>
            {
                var reference = $"{registry.Host}/{TestSolution.Repository(service)}:{tags[0]}";
                var layout = Path.Combine(TestProject.NewRoot(), "pulled");
                var copy = ImageTools.Skopeo("--insecure-policy", "copy", "-q", "--src-tls-verify=false", "docker://" + reference, $"oci:{layout}:{tags[0]}");
                var validate = copy.ExitCode == 0 ? ImageTools.Validate(layout, tags[0]) : copy;
                var started = run ? ImageTools.Run("docker://" + reference) : null;
                return (Service: service, Reference: reference, Validate: validate, Run: started);
            })).ToArray();
            Task.WaitAll(checks);
            TestContext.Progress.WriteLine($"  pulled and validated{(run ? " and ran" : "")} {checks.Length} images in {clock.Elapsed.TotalSeconds:0.0} s");
            foreach (var (service, reference, validate, started) in checks.Select(c => c.Result))
            {
                validate.AssertSuccess("skopeo copy + validate-image.sh of " + reference);
                if (started == null) continue;
                Assert.That(started.ExitCode, Is.EqualTo(0), reference + " runs:\n" + started.Output);
                Assert.That(started.Output, Does.Contain(TestSolution.ExpectedOutput(service)), reference + " prints its greeting");
            }
            return digests;
        }

        /// <summary>No image, no image work, no repository for the library or the test project: only the three services (and the base).</summary>
        private static void AssertOnlyTheServicesGotImages(TestSolution solution, RegistryServer registry, ProcessResult result)
        {
            Assert.That(ReportLines(result.Output), Has.Count.EqualTo(Services.Length), "one report line per service, none for Shared or Shop.Tests");
            Assert.That(registry.Storage.Repositories(), Is.EquivalentTo(Services.Select(TestSolution.Repository).Append("dotnet/runtime-deps")));
            foreach (var project in new[] { TestSolution.Library, TestSolution.Tests })
            {
                Assert.That(Directory.Exists(Path.Combine(solution.ProjectDirectory(project), "obj", "container")), Is.False, project + ": no image work");
                Assert.That(Directory.Exists(Path.Combine(solution.ProjectDirectory(project), "bin", "Release", "net10.0", "publish")), Is.True,
                    project + " was published as usual by the solution publish");
            }
        }

        /// <summary>
        /// The blob store after concurrent writers: every blob hashes to its file name (no torn or
        /// mixed write), nothing left in tmp/ nor any temp sibling anywhere, every JSON record whole,
        /// and the layer index has exactly one entry per distinct layer, each naming a stored blob of its size.
        /// </summary>
        private static void AssertStoreIntact(string store)
        {
            var blobs = Directory.GetFiles(Path.Combine(store, "blobs", "sha256"));
            Assert.That(blobs, Is.Not.Empty);
            foreach (var blob in blobs)
            {
                var name = Path.GetFileName(blob);
                Assert.That(name, Does.Match("^[0-9a-f]{64}$"), "only blobs in blobs/sha256: " + blob);
                using var stream = File.OpenRead(blob);
                Assert.That(Convert.ToHexStringLower(SHA256.HashData(stream)), Is.EqualTo(name), "blob content matches its name (no torn write): " + blob);
            }

            var tmp = Path.Combine(store, "tmp");
            if (Directory.Exists(tmp)) Assert.That(Directory.GetFileSystemEntries(tmp), Is.Empty, "no temp file left in the store's tmp/");
            var strays = Directory.GetFiles(store, "*", SearchOption.AllDirectories).Where(f => Regex.IsMatch(Path.GetFileName(f), @"\.(?:tmp|old)(?:-[0-9a-f]{32})?$"));
            Assert.That(strays, Is.Empty, "no temp sibling anywhere in the store");

            foreach (var json in Directory.GetFiles(store, "*.json", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(store, "blobs") + "/", StringComparison.Ordinal)))
                Assert.DoesNotThrow(() => JToken.Parse(File.ReadAllText(json)), "a whole JSON record: " + json);

            var entries = Directory.GetFiles(Path.Combine(store, "layers"), "*.json").Select(f => JObject.Parse(File.ReadAllText(f))).ToList();
            var digests = entries.Select(e => (string)e["digest"]!).ToList();
            Assert.That(digests.Distinct().Count(), Is.EqualTo(entries.Count), "one layer index entry per distinct layer: " + string.Join(", ", digests));
            Assert.That(entries, Has.Count.EqualTo(DistinctLayers), "runtime, packages and project-references shared by the services, and three app layers");
            foreach (var entry in entries)
            {
                var path = Path.Combine(store, "blobs", "sha256", ((string)entry["digest"]!).Substring("sha256:".Length));
                Assert.That(File.Exists(path), Is.True, "the indexed layer is in the store: " + entry["digest"]);
                Assert.That(new FileInfo(path).Length, Is.EqualTo((long)entry["size"]!), "size of " + entry["digest"]);
            }

            // The runtime pack's file hashes, rewritten by every node that packs the runtime: whole lines only.
            var hashes = Path.Combine(store, "layers", "runtime-pack-file-hashes.txt");
            if (File.Exists(hashes))
                foreach (var line in File.ReadAllLines(hashes).Skip(1))
                    Assert.That(line, Does.Match("^[^\t]+\t[^\t]+\tsha256:[0-9a-f]{64}$"), "a whole line in " + hashes);
        }
    }
}
