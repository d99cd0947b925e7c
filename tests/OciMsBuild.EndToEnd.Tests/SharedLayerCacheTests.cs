using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// The shared layer cache: two different self-contained apps (different projects, different
    /// publish folders) on the same runtime share one ContainerBlobCachePath. The second build does
    /// not pack the ~35 MB runtime layer again: it finds it in the layer index by content, says so,
    /// and its image has the same runtime layer digest. Two builds at once on an empty store both
    /// succeed with the same layer.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class SharedLayerCacheTests
    {
        private const string FromSharedCache = "OciMsBuild: layer runtime reused from the shared layer cache: ";
        private const string EarlyPacked = "OciMsBuild: packed layer runtime (early, while the project compiled): ";

        private static ProcessResult Publish(TestProject project, string store) => project.Publish("-r", "linux-x64", "--self-contained",
            "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
            "-p:ContainerArchiveOutputPath=" + project.ArchivePath,
            "-p:ContainerBlobCachePath=" + store,
            "-clp:PerformanceSummary");

        /// <summary>PackOciLayers' time from MSBuild's task performance summary.</summary>
        private static long PackMilliseconds(ProcessResult result)
        {
            var match = Regex.Match(result.Output, @"(\d+) ms\s+PackOciLayers\s+\d+ calls");
            Assert.That(match.Success, Is.True, "no PackOciLayers line in the performance summary:\n" + ProcessResult.Tail(result.Output));
            return long.Parse(match.Groups[1].Value);
        }

        private static string Line(ProcessResult result, string text) =>
            result.Output.Split('\n').FirstOrDefault(l => l.Contains(text)) ?? throw new AssertionException($"no '{text}' in:\n" + ProcessResult.Tail(result.Output));

        private static ImageOnDisk Image(TestProject project) => new ImageOnDisk(project.LayoutPath, project.SummaryPath);

        [Test]
        public void A_second_app_on_the_same_runtime_reuses_the_runtime_layer_from_the_shared_cache()
        {
            var store = Path.Combine(TestProject.NewRoot(), "shared-store");
            var first = TestProject.Console(name: "FirstApp");
            var second = TestProject.Console(name: "SecondApp");

            var firstRun = Publish(first, store).AssertSuccess("first app");
            var secondRun = Publish(second, store).AssertSuccess("second app, same runtime, same blob store");
            long firstPack = PackMilliseconds(firstRun), secondPack = PackMilliseconds(secondRun);
            TestContext.Progress.WriteLine($"shared layer cache: PackOciLayers first app {firstPack} ms, second app {secondPack} ms");

            // The first app's runtime layer was packed early, from the runtime pack, while the app
            // compiled; its own pack step then found it in the shared layer cache by content.
            var runtime = Image(first).Layer("runtime");
            Assert.That(Line(firstRun, EarlyPacked), Does.Contain(runtime.Digest).And.Contain("not in the shared layer cache; added to it"));
            Assert.That(Line(firstRun, FromSharedCache), Does.Contain(runtime.Digest));
            var reused = Line(secondRun, FromSharedCache);
            TestContext.Progress.WriteLine("first app:  " + Line(firstRun, EarlyPacked).Trim());
            TestContext.Progress.WriteLine("second app: " + reused.Trim());
            Assert.That(reused, Does.Contain(runtime.Digest), "the log names the reused layer's digest");
            Assert.That(secondRun.Output, Does.Not.Contain("packed layer runtime"));
            Assert.That(Image(second).Layer("runtime").Digest, Is.EqualTo(runtime.Digest), "the same runtime layer");
            Assert.That(Image(second).Layer("runtime").Size, Is.EqualTo(runtime.Size));
            Assert.That(Image(second).Layer("app").Digest, Is.Not.EqualTo(Image(first).Layer("app").Digest), "a different app");
            Assert.That(Line(secondRun, "packed layer app: "), Does.Contain("not in the shared layer cache"));
            ImageTools.Validate(second.LayoutPath, "latest", second.ArchivePath).AssertSuccess("validate-image.sh on the second app");

            // The reused record is the project's own from now on: an unchanged build reuses it as before.
            var again = Publish(second, store).AssertSuccess("second app, no change");
            Assert.That(again.Output, Does.Not.Contain("packed layer").And.Not.Contain(FromSharedCache));
        }

        [Test]
        public void The_runtime_layer_packed_early_is_the_one_packing_after_the_publish_gives_and_only_a_first_build_packs_early()
        {
            var early = TestProject.Console(name: "EarlyApp");
            var late = TestProject.Console(name: "LateApp");
            var earlyRun = Publish(early, Path.Combine(early.Root, "blobs")).AssertSuccess("early runtime layer (the default)");
            var lateRun = late.Publish("-r", "linux-x64", "--self-contained", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
                "-p:ContainerArchiveOutputPath=" + late.ArchivePath, "-p:ContainerBlobCachePath=" + Path.Combine(late.Root, "blobs"),
                "-p:ContainerPackRuntimeLayerEarly=false").AssertSuccess("ContainerPackRuntimeLayerEarly=false");

            var runtime = Image(early).Layer("runtime");
            Assert.That(Line(earlyRun, EarlyPacked), Does.Contain(runtime.Digest));
            Assert.That(lateRun.Output, Does.Not.Contain("(early"));
            Assert.That(Line(lateRun, "packed layer runtime: "), Does.Contain(runtime.Digest), "the same bytes either way");
            Assert.That(Image(late).Layer("runtime").Size, Is.EqualTo(runtime.Size));

            // Once the project has its runtime layer, a build (here after an edit) packs nothing early.
            File.AppendAllText(Path.Combine(early.Directory_, "Program.cs"), "\n// edited\n");
            var edited = Publish(early, Path.Combine(early.Root, "blobs")).AssertSuccess("after an edit");
            Assert.That(edited.Output, Does.Not.Contain("(early"));
            Assert.That(Image(early).Layer("runtime").Digest, Is.EqualTo(runtime.Digest));
            ImageTools.Validate(early.LayoutPath, "latest", early.ArchivePath).AssertSuccess("validate-image.sh");
        }

        [Test]
        public void Two_builds_at_once_on_an_empty_store_both_succeed_with_the_same_layers()
        {
            var store = Path.Combine(TestProject.NewRoot(), "shared-store");
            var one = TestProject.Console(name: "OneApp");
            var two = TestProject.Console(name: "TwoApp");

            var runs = new[] { one, two }.Select(p => Task.Run(() => Publish(p, store))).ToArray();
            Task.WaitAll(runs);
            runs[0].Result.AssertSuccess("first of two parallel builds");
            runs[1].Result.AssertSuccess("second of two parallel builds");
            foreach (var kind in new[] { "runtime", "packages", "project-references" })
                Assert.That(Image(two).Layer(kind).Digest, Is.EqualTo(Image(one).Layer(kind).Digest), kind + " layer");
            Assert.That(Directory.GetFiles(Path.Combine(store, "tmp")), Is.Empty, "no temp file left behind");
            var entries = Directory.GetFiles(Path.Combine(store, "layers"), "*.json");
            Assert.That(entries, Has.Length.EqualTo(5), "one index entry per distinct layer content: runtime, packages, project-references, two apps");
            ImageTools.Validate(two.LayoutPath, "latest", two.ArchivePath).AssertSuccess("validate-image.sh");
        }
    }
}
