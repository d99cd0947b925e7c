using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>OciReplaceSdkContainerTargets=true: `dotnet publish -t:PublishContainer` builds our image and sets the SDK's outputs.</summary>
    [TestFixture, NonParallelizable]
    public sealed class PublishContainerDropInTests
    {
        [TestCase(false, TestName = "PublishContainer_builds_our_layered_image_and_sets_the_SDK_output_properties(package)")]
        [TestCase(true, TestName = "PublishContainer_builds_our_layered_image_and_sets_the_SDK_output_properties(sdk)")]
        public void PublishContainer_builds_our_layered_image_and_sets_the_SDK_output_properties(bool sdkForm)
        {
            var project = TestProject.Console(extraProperties: "<OciReplaceSdkContainerTargets>true</OciReplaceSdkContainerTargets>", useSdkForm: sdkForm);
            var result = project.RunDotNet(new[]
            {
                "publish", project.ProjectFile, "-c", "Release", "-t:PublishContainer", "-r", "linux-x64",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime",
                "-p:ContainerArchiveOutputPath=" + project.ArchivePath,
                "-getProperty:GeneratedContainerDigest", "-getProperty:GeneratedContainerConfiguration", "-getProperty:GeneratedContainerMediaType",
                "-getProperty:GeneratedArchiveOutputPath", "-getItem:GeneratedContainerName",
            }).AssertSuccess("dotnet publish -t:PublishContainer");
            var json = JObject.Parse(result.Output.Substring(result.Output.IndexOf('{')));
            TestContext.Out.WriteLine(json.ToString());
            var properties = (JObject)json["Properties"]!;
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            Assert.That((string?)properties["GeneratedContainerDigest"], Is.EqualTo(image.Digest), "our image's digest");
            Assert.That(image.Layers.Select(l => l.Kind).Where(k => k != "base"), Is.EqualTo(new[] { "packages", "project-references", "app" }), "our layer split");
            Assert.That((string?)properties["GeneratedContainerMediaType"], Is.EqualTo("application/vnd.oci.image.manifest.v1+json"));
            Assert.That(JObject.Parse((string)properties["GeneratedContainerConfiguration"]!)["config"]!["WorkingDir"]!.ToString(), Is.EqualTo("/app"));
            Assert.That((string?)properties["GeneratedArchiveOutputPath"], Is.EqualTo(project.ArchivePath));
            Assert.That(json["Items"]!["GeneratedContainerName"]!.Select(i => (string)i["Identity"]!), Is.EqualTo(new[] { "helloapp:latest" }));
            Assert.That(File.Exists(project.ArchivePath), Is.True);
        }
        [Test]
        public void GetProperty_gives_the_digest_and_a_design_time_build_runs_none_of_our_targets()
        {
            var project = TestProject.Console();
            var baseImage = "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime";
            var result = project.RunDotNet(new[] { "publish", project.ProjectFile, "-c", "Release", "-r", "linux-x64", "-p:ContainerImage=true", baseImage,
                "-getProperty:ContainerImageDigest" }).AssertSuccess("publish with -getProperty");
            // One -getProperty: MSBuild prints just its value, as the last line.
            var digest = result.Output.Split('\n').Select(l => l.Trim()).Last(l => l.Length > 0);
            Assert.That(digest, Is.EqualTo(new ImageOnDisk(project.LayoutPath, project.SummaryPath).Digest));

            // What an IDE runs to read the project: none of our targets, even with ContainerImage=true.
            var log = Path.Combine(project.Root, "design-time.log");
            project.RunDotNet(new[] { "build", project.ProjectFile, "-c", "Release", "-p:ContainerImage=true", baseImage,
                "-p:DesignTimeBuild=true", "-p:BuildingProject=false", "-t:ResolveAssemblyReferences;Publish", "-flp:v=diag;logfile=" + log }).AssertSuccess("design-time build");
            var designTime = new ProcessResult(0, File.ReadAllText(log), System.TimeSpan.Zero);
            var ours = designTime.Output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "Target \"(_Oci|Oci)[A-Za-z]*(: \\(TargetId:\\d+\\))?\" in file")
                && !l.Contains("skipped")).ToList();
            Assert.That(ours, Is.Empty, string.Join("\n", ours.Take(10)));
            TestContext.Out.WriteLine(string.Join("\n", designTime.Output.Split('\n').Where(l => l.Contains("Target \"_Oci") || l.Contains("Target \"Oci")).Take(20)));
            Assert.That(designTime.Output, Does.Contain("_OciImageRidList"), "the package was imported (its properties are in the log), so the check can see its targets");
        }
        [Test]
        public void The_samples_publish_profile_builds_the_image()
        {
            var project = TestProject.Console();
            var profiles = Path.Combine(project.Directory_, "Properties", "PublishProfiles");
            Directory.CreateDirectory(profiles);
            var sample = File.ReadAllText(Path.Combine(TestEnvironment.RepoRoot, "samples", "HelloContainer", "Properties", "PublishProfiles", "Container.pubxml"));
            // The sample loads into docker or podman; here the image goes to a tarball instead (no engine needed).
            File.WriteAllText(Path.Combine(profiles, "Container.pubxml"), sample.Replace("<ContainerLoad>auto</ContainerLoad>",
                "<ContainerArchiveOutputPath>" + project.ArchivePath + "</ContainerArchiveOutputPath>"));
            project.RunDotNet(new[] { "publish", project.ProjectFile, "-p:PublishProfile=Container",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime" }).AssertSuccess("publish with the profile");
            Assert.That(File.Exists(project.ArchivePath), Is.True);
            Assert.That(new ImageOnDisk(project.LayoutPath, project.SummaryPath).Layers.Select(l => l.Kind), Does.Contain("app"));
        }
    }
}
