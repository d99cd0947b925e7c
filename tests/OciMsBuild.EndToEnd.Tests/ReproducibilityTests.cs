using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    [TestFixture, NonParallelizable]
    public sealed class ReproducibilityTests
    {
        [Test]
        public void TheSameProjectInTwoDirectoriesGivesTheSameManifestDigest()
        {
            var one = TestProject.Console();
            var two = TestProject.Console();
            Assert.That(one.Directory_, Is.Not.EqualTo(two.Directory_));
            var args = new[] { "-r", "linux-x64", "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime" };
            one.Publish(args).AssertSuccess("publish one");
            // Different file times in the second copy: they must not leak into the layers.
            foreach (var file in Directory.GetFiles(two.Root, "*", SearchOption.AllDirectories))
                File.SetLastWriteTimeUtc(file, new System.DateTime(2001, 2, 3, 4, 5, 6, System.DateTimeKind.Utc));
            two.Publish(args).AssertSuccess("publish two");
            var a = new ImageOnDisk(one.LayoutPath, one.SummaryPath);
            var b = new ImageOnDisk(two.LayoutPath, two.SummaryPath);
            TestContext.Out.WriteLine("manifest digest from two directories: " + a.Digest + " / " + b.Digest);
            foreach (var layer in a.Layers) TestContext.Out.WriteLine($"layer {layer.Kind}: {layer.Size} bytes {layer.Digest}");
            Assert.That(b.Digest, Is.EqualTo(a.Digest));
            Assert.That((string)b.Summary["configDigest"]!, Is.EqualTo((string)a.Summary["configDigest"]!));
        }

        [Test]
        public void SourceDateEpochSetsTheCreatedTimeAndLayerMtimes()
        {
            var project = TestProject.Console();
            project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerSourceDateEpoch=1700000000").AssertSuccess("publish");
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            Assert.That((string)image.Config["created"]!, Is.EqualTo("2023-11-14T22:13:20Z"));
            Assert.That(image.Layers.Count, Is.EqualTo(3), "scratch: only our layers");
        }

        /// <summary>
        /// A git repository cloned twice, at different depths, with no PathMap or any other setting:
        /// the image build maps the compiler's paths itself, so both clones give the same image.
        /// </summary>
        [Test]
        public void TwoGitClonesAtDifferentPathsGiveTheSameImageWithNoSettings()
        {
            var (one, two) = GitRepository.TwoClones(WithoutProjectReference(TestProject.Console(mapPaths: false)));
            var args = new[] { "-r", "linux-x64", "-p:ContainerBaseImage=scratch" };
            var first = one.Publish(args).AssertSuccess("publish clone one");
            two.Publish(args).AssertSuccess("publish clone two");
            var a = new ImageOnDisk(one.LayoutPath, one.SummaryPath);
            var b = new ImageOnDisk(two.LayoutPath, two.SummaryPath);
            TestContext.Out.WriteLine($"{one.Root} -> {a.Digest}\n{two.Root} -> {b.Digest}");
            Assert.That(first.Output, Does.Not.Contain("OCI1026"));
            Assert.That(b.Digest, Is.EqualTo(a.Digest), "the same commit in two folders");
            foreach (var layer in a.Layers) Assert.That(b.Layers, Does.Contain(layer));

            // The mapped assembly names no folder of this machine; an ordinary build keeps local paths for the debugger.
            var published = File.ReadAllBytes(Path.Combine(one.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish", "HelloApp.dll"));
            Assert.That(System.Text.Encoding.UTF8.GetString(published), Does.Not.Contain(one.Root).And.Contain("/_/"));
            one.RunDotNet(new[] { "build", one.ProjectFile, "-c", "Release", "-r", "linux-x64" }).AssertSuccess("ordinary build");
            var built = File.ReadAllBytes(Path.Combine(one.Directory_, "obj", "Release", "net10.0", "linux-x64", "HelloApp.dll"));
            Assert.That(System.Text.Encoding.UTF8.GetString(built), Does.Contain(one.Root), "an ordinary build recompiles with local paths");

            // Opting out brings the machine path back into the image.
            one.Publish(args.Append("-p:ContainerDeterministicPaths=false").ToArray()).AssertSuccess("publish opted out");
            Assert.That(new ImageOnDisk(one.LayoutPath, one.SummaryPath).Digest, Is.Not.EqualTo(a.Digest));
        }

        /// <summary>Outside source control the project folder is the root that is mapped: two copies agree.</summary>
        [Test]
        public void TwoCopiesOutsideSourceControlGiveTheSameImageWithNoSettings()
        {
            var one = WithoutProjectReference(TestProject.Console(mapPaths: false));
            var two = WithoutProjectReference(TestProject.Console(Path.Combine(TestProject.NewRoot(), "a", "b"), mapPaths: false));
            var args = new[] { "-r", "linux-x64", "-p:ContainerBaseImage=scratch" };
            one.Publish(args).AssertSuccess("publish copy one");
            two.Publish(args).AssertSuccess("publish copy two");
            Assert.That(new ImageOnDisk(two.LayoutPath, two.SummaryPath).Digest, Is.EqualTo(new ImageOnDisk(one.LayoutPath, one.SummaryPath).Digest));
            var published = File.ReadAllBytes(Path.Combine(one.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish", "HelloApp.dll"));
            Assert.That(System.Text.Encoding.UTF8.GetString(published), Does.Contain("/_/obj/Release/net10.0/linux-x64/HelloApp.pdb"), "the project folder is /_/");
        }

        /// <summary>
        /// A ProjectReference without OciMsBuild compiles with local paths: the build says so (OCI1026)
        /// and how to fix it; with the fix it gives the same image from both clones.
        /// </summary>
        [Test]
        public void AReferencedProjectWithLocalPathsIsReportedAndTheDocumentedFixMakesClonesAgree()
        {
            var sample = TestProject.Console(mapPaths: false);
            var (one, two) = GitRepository.TwoClones(sample);
            var args = new[] { "-r", "linux-x64", "-p:ContainerBaseImage=scratch" };
            var warned = one.Publish(args).AssertSuccess("publish without the fix");
            var warning = warned.Output.Split('\n').FirstOrDefault(l => l.Contains("warning OCI1026:"));
            Assert.That(warning, Is.Not.Null, ProcessResult.Tail(warned.Output));
            Assert.That(warning, Does.Contain("Greeting.csproj").And.Contain("DeterministicSourcePaths"));
            Assert.That(warned.Output.Split('\n').Count(l => l.Contains("warning OCI1026:")), Is.LessThanOrEqualTo(2), "once per referenced project (MSBuild repeats warnings in its summary)");

            // The fix the warning gives, committed at the repository root (here: written into both clones).
            foreach (var clone in new[] { one, two })
                File.WriteAllText(Path.Combine(clone.Root, "Directory.Build.props"),
                    "<Project><PropertyGroup><DeterministicSourcePaths Condition=\"'$(ContainerImage)' == 'true'\">true</DeterministicSourcePaths></PropertyGroup></Project>");
            var fixedOne = one.Publish(args).AssertSuccess("publish clone one with the fix");
            two.Publish(args).AssertSuccess("publish clone two with the fix");
            Assert.That(fixedOne.Output, Does.Not.Contain("OCI1026"));
            Assert.That(new ImageOnDisk(two.LayoutPath, two.SummaryPath).Digest, Is.EqualTo(new ImageOnDisk(one.LayoutPath, one.SummaryPath).Digest));
        }

        /// <summary>The console sample without its ProjectReference (a referenced project compiles without OciMsBuild).</summary>
        private static TestProject WithoutProjectReference(TestProject sample)
        {
            sample.Edit("HelloApp.csproj", text => text.Replace("<ProjectReference Include=\"../Greeting/Greeting.csproj\" />", ""));
            sample.Edit("Program.cs", text => text.Replace("Greeting.Greeter.Hello(\"container\")", "\"Hello, container!\""));
            return sample;
        }
    }
}
