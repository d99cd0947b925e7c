using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// A self-contained linux-x64 console app (NuGet dependency + ProjectReference) over the
    /// runtime-deps style base, with a tarball: published once, checked from every side.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class SelfContainedConsoleTests
    {
        private TestProject _project = null!;
        private ProcessResult _first = null!;
        private ImageOnDisk _image = null!;

        [OneTimeSetUp]
        public void PublishOnce()
        {
            _project = TestProject.Console();
            _first = _project.Publish("-r", "linux-x64", "--self-contained",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
                "-p:ContainerArchiveOutputPath=" + _project.ArchivePath).AssertSuccess("self-contained publish");
            _image = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
        }

        [Test, Order(1)]
        public void LogsOneLinePerImage()
        {
            Assert.That(_first.Output, Does.Contain("OciMsBuild: helloapp:latest " + _image.Digest + " (linux/amd64) -> OCI layout"));
        }

        [Test, Order(1)]
        public void UmociAndSkopeoReadTheLayoutAndTheTarball()
        {
            ImageTools.Validate(_project.LayoutPath, "latest", _project.ArchivePath).AssertSuccess("validate-image.sh");
        }

        [Test, Order(1)]
        public void EveryDescriptorMatchesItsBlob() => _image.AssertDescriptorsMatchBlobs();

        [Test, Order(1)]
        public void LayersFollowTheRateOfChange()
        {
            var kinds = _image.Layers.Select(l => l.Kind).ToArray();
            Assert.That(kinds, Is.EqualTo(new[] { "base", "runtime", "packages", "project-references", "app" }));

            var runtime = _image.LayerEntries(_image.Layer("runtime").Digest);
            Assert.That(runtime.Keys, Does.Contain("app/libcoreclr.so").And.Contain("app/System.Private.CoreLib.dll"));
            Assert.That(runtime.Keys.Any(k => k.Contains("Newtonsoft") || k.Contains("HelloApp") || k.Contains("Greeting")), Is.False);
            Assert.That(runtime["app/libcoreclr.so"], Is.EqualTo((UnixFileMode)0x1ED), "ELF files are 0755");

            var packages = _image.LayerEntries(_image.Layer("packages").Digest);
            Assert.That(packages.Keys, Is.EqualTo(new[] { "app/", "app/Newtonsoft.Json.dll" }));

            var references = _image.LayerEntries(_image.Layer("project-references").Digest);
            Assert.That(references.Keys.Where(k => !k.EndsWith("/")), Is.EquivalentTo(new[] { "app/Greeting.dll", "app/Greeting.pdb" }));

            var app = _image.LayerEntries(_image.Layer("app").Digest);
            Assert.That(app.Keys, Does.Contain("app/HelloApp").And.Contain("app/HelloApp.dll").And.Contain("app/HelloApp.deps.json"));
            Assert.That(app["app/HelloApp"], Is.EqualTo((UnixFileMode)0x1ED), "the apphost is executable");
            Assert.That(app["app/HelloApp.dll"], Is.EqualTo((UnixFileMode)0x1A4));
        }

        [Test, Order(1)]
        public void ConfigHasTheAppHostEntrypointAndTheBaseUser()
        {
            var config = _image.Config["config"]!;
            Assert.That(config["Entrypoint"]!.ToObject<string[]>(), Is.EqualTo(new[] { "/app/HelloApp" }));
            Assert.That((string?)config["WorkingDir"], Is.EqualTo("/app"));
            Assert.That((string?)config["User"], Is.EqualTo("1654"), "APP_UID of the base");
            Assert.That((string)_image.Config["created"]!, Is.EqualTo("1970-01-01T00:00:00Z"));
        }

        [Test, Order(1)]
        public void TheImageRuns()
        {
            var run = ImageTools.Run("oci:" + _project.LayoutPath + ":latest").AssertSuccess("podman run");
            Assert.That(run.Output, Does.Contain("Hello, container! json={\"arch\":\"X64\"}"));
            Assert.That(run.Output, Does.Contain("cwd=/app user=app"));
        }

        [Test, Order(1)]
        public void PodmanLoadsTheTarballAndRunsIt()
        {
            var run = ImageTools.Load(_project.ArchivePath).AssertSuccess("podman load + run");
            Assert.That(run.Output, Does.Contain("Hello, container!"));
        }

        [Test, Order(2)]
        public void ANoChangeRepublishSkipsTheLayerTargetsAndKeepsTheDigest()
        {
            var again = _project.Publish("-r", "linux-x64", "--self-contained",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
                "-p:ContainerArchiveOutputPath=" + _project.ArchivePath).AssertSuccess("second publish");
            Assert.That(again.Output, Does.Contain("Skipping target \"_OciPackLayers\" because all output files are up-to-date"));
            Assert.That(again.Output, Does.Contain("Skipping target \"_OciBuildImage\" because all output files are up-to-date"));
            Assert.That(new ImageOnDisk(_project.LayoutPath, _project.SummaryPath).Digest, Is.EqualTo(_image.Digest));
        }

        [Test, Order(3)]
        public void AOneLineChangeMakesANewAppLayerOnly()
        {
            _project.Edit("Program.cs", text => text.Replace("\"container\"", "\"changed container\""));
            var changed = _project.Publish("-r", "linux-x64", "--self-contained",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
                "-p:ContainerArchiveOutputPath=" + _project.ArchivePath).AssertSuccess("publish after a change");
            var after = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            Assert.That(after.Digest, Is.Not.EqualTo(_image.Digest));
            foreach (var kind in new[] { "base", "runtime", "packages", "project-references" })
                Assert.That(after.Layers.Where(l => l.Kind == kind).Select(l => l.Digest), Is.EqualTo(_image.Layers.Where(l => l.Kind == kind).Select(l => l.Digest)), kind);
            Assert.That(after.Layer("app").Digest, Is.Not.EqualTo(_image.Layer("app").Digest));
            Assert.That(changed.Output, Does.Contain("OciMsBuild: packed layer app:"));
            Assert.That(changed.Output, Does.Not.Contain("OciMsBuild: packed layer runtime:"));
            var run = ImageTools.Run("oci:" + _project.LayoutPath + ":latest").AssertSuccess("podman run after change");
            Assert.That(run.Output, Does.Contain("Hello, changed container!"));
        }

        [Test, Order(4)]
        public void AfterAnEditTheNextNoChangePublishSkipsTheLayerTargetsAgain()
        {
            // The edit re-packed only the app layer, so the other records kept their old times: the
            // packing target must still count as up to date (its stamp), not run on every later build.
            var again = _project.Publish("-r", "linux-x64", "--self-contained",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
                "-p:ContainerArchiveOutputPath=" + _project.ArchivePath).AssertSuccess("no-change publish after the edit");
            Assert.That(again.Output, Does.Contain("Skipping target \"_OciPackLayers\" because all output files are up-to-date"));
            Assert.That(again.Output, Does.Contain("Skipping target \"_OciBuildImage\" because all output files are up-to-date"));
        }
    }
}
