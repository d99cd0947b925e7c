using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// What else than regular files a publish folder can hold, put there by a target of the project
    /// between Publish and the layer planning: a link that stays inside goes into the image as a link;
    /// a FIFO, a link leaving the folder, a dangling link and loops are coded errors naming the file,
    /// and the build ends (a FIFO used to hang it forever: every build here has a timeout).
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class PublishOutputFileTypeTests
    {
        private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(5);
        private TestProject _project = null!;

        [OneTimeSetUp]
        public void CreateProject()
        {
            _project = TestProject.Console();
            // PublishExtra: a shell command run in the publish folder (after Publish, before the layers are planned).
            _project.Edit("HelloApp.csproj", text => text.Replace("</Project>", @"
  <Target Name=""AddPublishExtras"" BeforeTargets=""_OciPlanLayers"" Condition=""'$(PublishExtra)' != ''"">
    <Exec WorkingDirectory=""$(PublishDir)"" Command=""rm -rf extra &amp;&amp; mkdir extra &amp;&amp; $(PublishExtra)"" />
  </Target>
</Project>"));
            Publish("true").AssertSuccess("warm-up publish");
        }

        private ProcessResult Publish(string extra) =>
            _project.RunDotNet(new[] { "publish", _project.ProjectFile, "-c", "Release", "-p:ContainerImage=true", "-r", "linux-x64",
                "-p:ContainerBaseImage=scratch", "-p:PublishExtra=" + extra }, timeout: HangLimit);

        private string PublishDir => Path.Combine(_project.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish");

        private ProcessResult Fails(string code, string extra, string names)
        {
            var result = Publish(extra);
            Assert.That(result.Output, Does.Not.Contain("[timed out"), "the build must end, not hang:\n" + ProcessResult.Tail(result.Output));
            Assert.That(result.AssertCodedFailure(code), Does.Contain(Path.Combine(PublishDir, "extra", names)), "the message names the file");
            TestContext.Out.WriteLine($"{code} after {result.Duration.TotalSeconds:F1} s");
            return result;
        }

        [Test]
        public void Fifo_is_OCI3010_and_the_build_ends() =>
            Fails("OCI3010", "mkfifo extra/logs.pipe", "logs.pipe");

        [Test]
        public void Link_leaving_the_publish_folder_is_OCI3011() =>
            Fails("OCI3011", "ln -s /etc/hostname extra/hostname", "hostname");

        [Test]
        public void Dangling_link_is_OCI3012() =>
            Fails("OCI3012", "ln -s missing.txt extra/gone.txt", "gone.txt");

        [Test]
        public void Link_loop_is_OCI3012() =>
            Fails("OCI3012", "ln -s loop-b extra/loop-a && ln -s loop-a extra/loop-b", "loop-a");

        [Test]
        public void Directory_loop_is_OCI3012() =>
            Fails("OCI3012", "ln -s .. extra/up", "up");

        [Test]
        public void Links_inside_the_publish_folder_are_links_in_the_image()
        {
            Publish("ln -s ../HelloApp.runtimeconfig.json extra/config.json && ln -s \"$PWD/HelloApp.deps.json\" extra/abs.json && mkdir extra/data && echo hi > extra/data/x.txt && ln -s data extra/current")
                .AssertSuccess("publish with links");
            var image = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            using (var reader = new TarReader(new GZipStream(File.OpenRead(image.BlobPath(image.Layer("app").Digest)), CompressionMode.Decompress)))
            {
                var links = Enumerable.Range(0, 1000).Select(_ => reader.GetNextEntry()).TakeWhile(e => e != null)
                    .Where(e => e!.EntryType == TarEntryType.SymbolicLink).ToDictionary(e => e!.Name, e => e!.LinkName);
                Assert.That(links, Is.EquivalentTo(new System.Collections.Generic.Dictionary<string, string>
                {
                    ["app/extra/config.json"] = "../HelloApp.runtimeconfig.json",
                    ["app/extra/abs.json"] = "../HelloApp.deps.json", // the host path would mean nothing in the image
                    ["app/extra/current"] = "data", // a folder link: kept, not walked
                }));
            }

            // umoci (strict) unpacks it, and the links lead to the published files.
            var rootfs = Path.Combine(_project.Root, "unpacked");
            ProcessRunner.Run("umoci", new[] { "unpack", "--image", _project.LayoutPath + ":latest", rootfs }, timeout: TimeSpan.FromMinutes(3))
                .AssertSuccess("umoci unpack");
            var unpacked = Path.Combine(rootfs, "rootfs", "app");
            Assert.That(new FileInfo(Path.Combine(unpacked, "extra", "config.json")).LinkTarget, Is.EqualTo("../HelloApp.runtimeconfig.json"));
            Assert.That(File.ReadAllText(Path.Combine(unpacked, "extra", "abs.json")), Is.EqualTo(File.ReadAllText(Path.Combine(PublishDir, "HelloApp.deps.json"))));
        }
    }
}
