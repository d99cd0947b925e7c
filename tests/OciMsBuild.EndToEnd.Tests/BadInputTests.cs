using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Bad input stops the build with a coded error that names the property, no stack trace, and
    /// nothing half-written left behind.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class BadInputTests
    {
        private TestProject _project = null!;

        [OneTimeSetUp]
        public void CreateProject()
        {
            _project = TestProject.Console();
            // Restore and publish once so each case below costs only the image steps.
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch").AssertSuccess("warm-up publish");
        }

        private ProcessResult Fails(string expectedCode, params string[] properties)
        {
            var result = _project.Publish(new[] { "-r", "linux-x64" }.Concat(properties).ToArray());
            result.AssertCodedFailure(expectedCode);
            return result;
        }

        [TestCase("ContainerRuntimeIdentifier=win-x64", "OCI1012", "ContainerRuntimeIdentifier")]
        [TestCase("ContainerRuntimeIdentifier=osx-arm64", "OCI1012", "linux-x64")]
        [TestCase("ContainerRepository=My_App!", "OCI1014", "ContainerRepository")]
        [TestCase("ContainerImageTags=-bad", "OCI1002", "ContainerImageTags")]
        [TestCase("ContainerWorkingDirectory=app", "OCI1011", "ContainerWorkingDirectory")]
        [TestCase("ContainerUser=bad user", "OCI1010", "ContainerUser")]
        [TestCase("ContainerImageFormat=Podman", "OCI1013", "ContainerImageFormat")]
        [TestCase("ContainerLayerCompressionLevel=10", "OCI1019", "ContainerLayerCompressionLevel")]
        [TestCase("ContainerLayerUserId=-1", "OCI1019", "ContainerLayerUserId")]
        [TestCase("ContainerBaseImage=ftp://x/y", "OCI1003", "oci-layout://")]
        [TestCase("ContainerBaseImage=Not A Reference", "OCI1001", "ContainerBaseImage")]
        [TestCase("ContainerBaseImage=mcr.microsoft.com/dotnet/runtime:10.0", "OCI2001", "oci-layout://")]
        public void PropertyErrors(string property, string code, string mentioned)
        {
            var result = Fails(code, "-p:ContainerBaseImage=scratch", "-p:" + property);
            Assert.That(result.Output, Does.Contain(mentioned));
        }

        [Test]
        public void InvalidItemsNameTheItem()
        {
            _project.Edit("HelloApp.csproj", text => text.Replace("</Project>",
                "<ItemGroup Condition=\"'$(BadItem)' == 'label'\"><ContainerLabel Include=\"bad key!\" Value=\"x\" /></ItemGroup>" +
                "<ItemGroup Condition=\"'$(BadItem)' == 'port'\"><ContainerPort Include=\"70000\" /></ItemGroup>" +
                "<ItemGroup Condition=\"'$(BadItem)' == 'udp'\"><ContainerPort Include=\"53\" Type=\"xyz\" /></ItemGroup>" +
                "<ItemGroup Condition=\"'$(BadItem)' == 'env'\"><ContainerEnvironmentVariable Include=\"1BAD\" Value=\"x\" /></ItemGroup>" +
                "<ItemGroup Condition=\"'$(BadItem)' == 'cmd'\"><ContainerAppCommand Include=\"dotnet;%20\" /></ItemGroup>" +
                "<Target Name=\"DeletePublishFolder\" AfterTargets=\"Publish\" BeforeTargets=\"OciBuildContainerImage\" Condition=\"'$(BadItem)' == 'nopublish'\"><RemoveDir Directories=\"$(PublishDir)\" /></Target>" +
                "<ItemGroup Condition=\"'$(BadItem)' == 'good'\"><ContainerPort Include=\"80/tcp\" /><ContainerPort Include=\"53\" Type=\"udp\" />" +
                "<ContainerLabel Include=\"org.opencontainers.image.source\" Value=\"https://example.invalid/x\" /><ContainerEnvironmentVariable Include=\"GREETING\" Value=\"hi\" /></ItemGroup></Project>"));
            Assert.That(Fails("OCI1007", "-p:ContainerBaseImage=scratch", "-p:BadItem=label").Output, Does.Contain("ContainerLabel 'bad key!'"));
            Assert.That(Fails("OCI1008", "-p:ContainerBaseImage=scratch", "-p:BadItem=port").Output, Does.Contain("ContainerPort '70000'"));
            Assert.That(Fails("OCI1008", "-p:ContainerBaseImage=scratch", "-p:BadItem=udp").Output, Does.Contain("tcp, udp or sctp"));
            Assert.That(Fails("OCI1009", "-p:ContainerBaseImage=scratch", "-p:BadItem=env").Output, Does.Contain("ContainerEnvironmentVariable '1BAD'"));
            Assert.That(Fails("OCI1016", "-p:ContainerBaseImage=scratch", "-p:BadItem=cmd").Output, Does.Contain("ContainerAppCommand has an empty entry"));
            Assert.That(Fails("OCI3002", "-p:ContainerBaseImage=scratch", "-p:BadItem=nopublish").Output, Does.Contain("publish folder").And.Contain("does not exist"));

            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:BadItem=good").AssertSuccess("valid items");
            var config = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath).Config["config"]!;
            Assert.That(config["ExposedPorts"]!.ToObject<System.Collections.Generic.Dictionary<string, object>>()!.Keys, Is.EquivalentTo(new[] { "80/tcp", "53/udp" }));
            Assert.That((string?)config["Labels"]!["org.opencontainers.image.source"], Is.EqualTo("https://example.invalid/x"));
            Assert.That(config["Env"]!.ToObject<string[]>(), Does.Contain("GREETING=hi"));
        }

        [Test]
        public void MissingBasesAndTagsAndPlatformsLeaveNothingHalfWritten()
        {
            var outDir = Path.Combine(_project.Root, "failed-out");
            var archive = Path.Combine(outDir, "image.tar");
            var missingLayout = Path.Combine(_project.Root, "no-such-layout");
            Assert.That(Fails("OCI1004", "-p:ContainerBaseImage=oci-layout://" + missingLayout, "-p:ContainerArchiveOutputPath=" + archive).Output,
                Does.Contain(missingLayout));
            var tagMissing = Fails("OCI1005", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":nope", "-p:ContainerArchiveOutputPath=" + archive);
            Assert.That(tagMissing.Output, Does.Contain("no tag 'nope'").And.Contain("runtime"));
            Assert.That(Fails("OCI1004", "-p:ContainerBaseImage=docker-archive://" + Path.Combine(_project.Root, "none.tar"), "-p:ContainerArchiveOutputPath=" + archive).Output,
                Does.Contain("does not exist"));
            Assert.That(File.Exists(archive), Is.False, "no tarball after a failed build");
            Assert.That(!Directory.Exists(outDir) || Directory.GetFileSystemEntries(outDir).Length == 0, Is.True, "no temp files next to the tarball");
            var layoutParent = Path.GetDirectoryName(_project.LayoutPath)!;
            Assert.That(Directory.GetDirectories(layoutParent, "image.tmp-*"), Is.Empty, "no half-written layout");
        }

        [Test]
        public void ABaseWithoutThePlatformListsWhatItHas()
        {
            var result = Fails("OCI1006", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":multi",
                "-p:ContainerRuntimeIdentifier=linux-arm64", "-p:UseAppHost=false");
            Assert.That(result.Output, Does.Contain("linux/arm64/v8").And.Contain("It has: linux/amd64"));
        }
    }
}
