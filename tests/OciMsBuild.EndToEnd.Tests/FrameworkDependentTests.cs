using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>Framework-dependent images over runtime and aspnet bases, and the other base transports.</summary>
    [TestFixture, NonParallelizable]
    public sealed class FrameworkDependentTests
    {
        [Test]
        public void ARidLessPublishIsCrossPublishedForLinuxAndRunsOverARuntimeBase()
        {
            var project = TestProject.Console();
            var publish = project.Publish("-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime").AssertSuccess("RID-less publish");
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            Assert.That((string)image.Summary["runtimeIdentifier"]!, Is.EqualTo("linux-x64"));
            Assert.That(image.Layers.Select(l => l.Kind), Is.EqualTo(new[] { "base", "base", "packages", "project-references", "app" }), "no runtime layer when framework-dependent");
            Assert.That(Directory.Exists(Path.Combine(project.Directory_, "obj", "container", "Release", "net10.0", "linux-x64", "publish")), Is.True, "the cross-publish goes under obj/");
            Assert.That(image.LayerEntries(image.Layer("app").Digest).Keys, Does.Contain("app/HelloApp"), "a Linux apphost");
            ImageTools.Validate(project.LayoutPath, "latest").AssertSuccess("validate");
            var run = ImageTools.Run("oci:" + project.LayoutPath + ":latest").AssertSuccess("podman run");
            Assert.That(run.Output, Does.Contain("Hello, container!"));
            Assert.That(publish.Output, Does.Contain("OciMsBuild: helloapp:latest"));
        }

        [Test]
        public void AWebAppAnswersHttpAndExposesTheBasePort()
        {
            var project = TestProject.Web();
            project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":aspnet",
                "-p:ContainerArchiveOutputPath=" + project.ArchivePath).AssertSuccess("web publish");
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            Assert.That(image.Config["config"]!["ExposedPorts"]!["8080/tcp"], Is.Not.Null, "ASPNETCORE_HTTP_PORTS of the base");
            var web = ImageTools.RunWeb("oci:" + project.LayoutPath + ":latest", ImageTools.FreePort(), "/", "hello from the web image on X64")
                .AssertSuccess("run-web-image.sh");
            Assert.That(web.Output, Does.Contain("hello from the web image"));
        }

        [Test]
        public void TheSdkFormWithADockerArchiveBaseAndDockerMediaTypes()
        {
            var project = TestProject.Console(useSdkForm: true);
            project.Publish("-r", "linux-x64",
                "-p:ContainerBaseImage=docker-archive://" + Path.Combine(TestEnvironment.BaseCache, "runtime.docker.tar"),
                "-p:ContainerImageFormat=Docker", "-p:ContainerRepository=team/hello", "-p:ContainerImageTags=1.2.3%3Bstable",
                "-p:ContainerArchiveOutputPath=" + project.ArchivePath).AssertSuccess("Sdk-form publish");
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            Assert.That((string)image.Manifest["mediaType"]!, Is.EqualTo("application/vnd.docker.distribution.manifest.v2+json"));
            Assert.That(image.Manifest["layers"]!.Select(l => (string)l["mediaType"]!).Distinct(), Is.EqualTo(new[] { "application/vnd.docker.image.rootfs.diff.tar.gzip" }));
            Assert.That((string)image.Manifest["config"]!["mediaType"]!, Is.EqualTo("application/vnd.docker.container.image.v1+json"));
            Assert.That(image.Summary["tags"]!.ToObject<string[]>(), Is.EqualTo(new[] { "1.2.3", "stable" }));
            // umoci and skopeo's oci: transport read only OCI media types; a Docker-format image is for
            // docker load, so it is checked as a docker-archive (skopeo re-hashes every blob) and loaded by podman.
            ImageTools.Skopeo("copy", "-q", "docker-archive:" + project.ArchivePath, "dir:" + Path.Combine(project.Root, "copy")).AssertSuccess("skopeo copy docker-archive");
            Assert.That(ImageTools.Load(project.ArchivePath).AssertSuccess("podman load + run").Output, Does.Contain("Hello, container!"));
        }

        [Test]
        public void AnOciArchiveBaseAndAnIndexBasePickTheLinuxAmd64Image()
        {
            var fromArchive = TestProject.Console();
            fromArchive.Publish("-r", "linux-x64", "-p:ContainerBaseImage=oci-archive://" + Path.Combine(TestEnvironment.BaseCache, "runtime.oci.tar"))
                .AssertSuccess("oci-archive base");
            var fromIndex = TestProject.Console();
            fromIndex.Publish("-r", "linux-x64", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":multi")
                .AssertSuccess("index base");
            var a = new ImageOnDisk(fromArchive.LayoutPath, fromArchive.SummaryPath);
            var b = new ImageOnDisk(fromIndex.LayoutPath, fromIndex.SummaryPath);
            Assert.That(a.Layers.Where(l => l.Kind == "base").Select(l => l.Digest), Is.EqualTo(b.Layers.Where(l => l.Kind == "base").Select(l => l.Digest)),
                "the same runtime base, reused by digest, never re-compressed");
            Assert.That(ImageTools.Run("oci:" + fromIndex.LayoutPath + ":latest").AssertSuccess("run").Output, Does.Contain("Hello, container!"));
        }
    }
}
