using System;
using System.Linq;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// The org.opencontainers.image.* labels and annotations, read back by skopeo; stamping adds
    /// the commit, the version and the commit's time, and only when asked.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class LabelTests
    {
        private const string ProjectProperties =
            "<Description>Says hello</Description><Authors>Team Hello</Authors>" +
            "<PackageProjectUrl>https://example.invalid/hello</PackageProjectUrl><PackageLicenseExpression>MIT</PackageLicenseExpression>" +
            "<Version>2.3.4</Version><RepositoryUrl>https://example.invalid/hello.git</RepositoryUrl>";

        private static JObject Labels(TestProject project)
        {
            var config = ImageTools.Skopeo("inspect", "--config", "oci:" + project.LayoutPath + ":latest").AssertSuccess("skopeo inspect --config");
            return (JObject)ImageOnDisk.ParseVerbatim(config.Output)["config"]!["Labels"]!;
        }

        private static JObject Annotations(TestProject project)
        {
            var raw = ImageTools.Skopeo("inspect", "--raw", "oci:" + project.LayoutPath + ":latest").AssertSuccess("skopeo inspect --raw");
            return (JObject)ImageOnDisk.ParseVerbatim(raw.Output)["annotations"]!;
        }

        private static string Git(TestProject project, params string[] args) =>
            ProcessRunner.Run("git", args, project.Root).AssertSuccess("git " + string.Join(" ", args)).Output.Trim();

        [Test]
        public void Labels_come_from_the_project_and_stamping_adds_the_commit_version_and_time()
        {
            var project = TestProject.Console(extraProperties: ProjectProperties, mapPaths: false);
            GitRepository.InitAndCommit(project.Root);
            var baseImage = "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime";

            project.Publish("-r", "linux-x64", baseImage, "-p:ContainerStamp=false").AssertSuccess("unstamped publish");
            var labels = Labels(project);
            TestContext.Out.WriteLine("unstamped labels: " + labels.ToString(Newtonsoft.Json.Formatting.None));
            Assert.That((string?)labels["org.opencontainers.image.title"], Is.EqualTo("HelloApp"));
            Assert.That((string?)labels["org.opencontainers.image.description"], Is.EqualTo("Says hello"));
            Assert.That((string?)labels["org.opencontainers.image.authors"], Is.EqualTo("Team Hello"));
            Assert.That((string?)labels["org.opencontainers.image.url"], Is.EqualTo("https://example.invalid/hello"));
            Assert.That((string?)labels["org.opencontainers.image.documentation"], Is.EqualTo("https://example.invalid/hello"));
            Assert.That((string?)labels["org.opencontainers.image.licenses"], Is.EqualTo("MIT"));
            Assert.That((string?)labels["org.opencontainers.image.source"], Is.EqualTo("https://example.invalid/hello"), ".git trimmed");
            Assert.That((string?)labels["org.opencontainers.image.created"], Is.EqualTo("1970-01-01T00:00:00Z"), "never the clock");
            Assert.That((string?)labels["org.opencontainers.image.base.digest"], Does.StartWith("sha256:"));
            Assert.That(labels.ContainsKey("org.opencontainers.image.base.name"), Is.False, "a local base's path is not recorded");
            Assert.That(labels.ContainsKey("org.opencontainers.image.revision") || labels.ContainsKey("org.opencontainers.image.version"), Is.False,
                "commit and version only when stamping");
            var annotations = Annotations(project);
            foreach (var label in labels.Properties().Where(p => p.Name.StartsWith("org.opencontainers.image.", StringComparison.Ordinal)))
                Assert.That((string?)annotations[label.Name], Is.EqualTo((string?)label.Value), "annotation " + label.Name);
            var unstamped = new ImageOnDisk(project.LayoutPath, project.SummaryPath).Digest;

            var stamped = project.Publish("-r", "linux-x64", baseImage, "-p:ContainerStamp=true", "-p:ContainerStampTags=v{version}%3Bsha-{short-revision}")
                .AssertSuccess("stamped publish");
            var commit = Git(project, "rev-parse", "HEAD");
            var commitTime = DateTimeOffset.FromUnixTimeSeconds(long.Parse(Git(project, "log", "-1", "--format=%ct"))).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
            labels = Labels(project);
            TestContext.Out.WriteLine("stamped labels: " + labels.ToString(Newtonsoft.Json.Formatting.None));
            Assert.That((string?)labels["org.opencontainers.image.revision"], Is.EqualTo(commit));
            Assert.That((string?)labels["org.opencontainers.image.version"], Is.EqualTo("2.3.4"));
            Assert.That((string?)labels["org.opencontainers.image.created"], Is.EqualTo(commitTime));
            Assert.That((string?)Annotations(project)["org.opencontainers.image.revision"], Is.EqualTo(commit));
            var config = ImageTools.Skopeo("inspect", "--config", "oci:" + project.LayoutPath + ":latest").AssertSuccess("skopeo inspect --config");
            Assert.That((string?)ImageOnDisk.ParseVerbatim(config.Output)["created"], Is.EqualTo(commitTime), "the config's created too");
            var summary = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            Assert.That(summary.Summary["tags"]!.Select(t => (string)t!), Is.SupersetOf(new[] { "latest", "v2.3.4", "sha-" + commit.Substring(0, 12) }));
            Assert.That(summary.Digest, Is.Not.EqualTo(unstamped));
            Assert.That(stamped.Output, Does.Contain("stamping"));

            // A ContainerLabel wins over a generated one; ContainerGenerateLabels=false leaves only the user's.
            project.Publish("-r", "linux-x64", baseImage, "-p:ContainerStamp=false", "-p:ContainerGenerateLabelsImageBaseDigest=false")
                .AssertSuccess("publish without the base digest label");
            Assert.That(Labels(project).ContainsKey("org.opencontainers.image.base.digest"), Is.False);
            project.Edit("HelloApp.csproj", text => text.Replace("</Project>",
                "<ItemGroup><ContainerLabel Include=\"org.opencontainers.image.title\" Value=\"custom\" /></ItemGroup></Project>"));
            project.Publish("-r", "linux-x64", baseImage, "-p:ContainerStamp=false").AssertSuccess("publish with a ContainerLabel");
            Assert.That((string?)Labels(project)["org.opencontainers.image.title"], Is.EqualTo("custom"));
            project.Publish("-r", "linux-x64", baseImage, "-p:ContainerStamp=false", "-p:ContainerGenerateLabels=false").AssertSuccess("publish without generated labels");
            labels = Labels(project);
            Assert.That(labels.Properties().Select(p => p.Name).Where(n => n.StartsWith("org.opencontainers.image.", StringComparison.Ordinal)),
                Is.EqualTo(new[] { "org.opencontainers.image.title" }), "the user's label only (the base has none of ours)");
        }
    }
}
