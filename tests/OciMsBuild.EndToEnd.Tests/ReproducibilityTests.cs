using System.IO;
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
    }
}
