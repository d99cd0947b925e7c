using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Our layers as every reader sees them: block-parallel gzip is the same bytes on 1 and on many
    /// threads and is read by gzip, umoci, skopeo, podman and a real Docker Engine's `docker load`;
    /// opt-in zstd is read by zstd, skopeo and podman.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class CompressionTests
    {
        private static readonly string DepsBase = "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps";

        [Test]
        public void BlockGzipIsTheSameOnOneAndManyThreadsAndEveryReaderLoadsIt()
        {
            var one = TestProject.Console();
            one.Publish("-r", "linux-x64", "--self-contained", DepsBase, "-p:ContainerLayerCompressionThreads=1",
                "-p:ContainerBlobCachePath=" + Path.Combine(one.Root, "blobs"), "-p:ContainerArchiveOutputPath=" + one.ArchivePath).AssertSuccess("1 thread");
            var many = TestProject.Console();
            many.Publish("-r", "linux-x64", "--self-contained", DepsBase, "-p:ContainerLayerCompressionThreads=8",
                "-p:ContainerBlobCachePath=" + Path.Combine(many.Root, "blobs")).AssertSuccess("8 threads");
            var a = new ImageOnDisk(one.LayoutPath, one.SummaryPath);
            var b = new ImageOnDisk(many.LayoutPath, many.SummaryPath);
            Assert.That(b.Layers.Select(l => l.Digest), Is.EqualTo(a.Layers.Select(l => l.Digest)), "layer bytes never depend on the thread count");
            Assert.That(b.Digest, Is.EqualTo(a.Digest));

            var runtime = a.Layer("runtime");
            Assert.That(runtime.Size, Is.GreaterThan(8L << 20), "the runtime layer spans many 1 MiB blocks");
            var diffIds = a.Config["rootfs"]!["diff_ids"]!.Select(d => (string)d!).ToArray();
            var ours = a.Layers.Select((l, i) => (l, i)).Where(x => x.l.Kind != "base").ToArray();
            foreach (var (layer, i) in ours)
            {
                var gzipTest = ProcessRunner.Run("gzip", new[] { "-t", a.BlobPath(layer.Digest) });
                Assert.That(gzipTest.ExitCode, Is.EqualTo(0), "gzip -t " + layer.Kind + ": " + gzipTest.Output);
                using var gz = new GZipStream(File.OpenRead(a.BlobPath(layer.Digest)), CompressionMode.Decompress);
                Assert.That("sha256:" + System.Convert.ToHexString(SHA256.HashData(gz)).ToLowerInvariant(), Is.EqualTo(diffIds[i]), "diff_id of " + layer.Kind);
            }

            ImageTools.Validate(one.LayoutPath, "latest", one.ArchivePath).AssertSuccess("umoci unpack, skopeo copy of layout and tarball");
            Assert.That(ImageTools.Load(one.ArchivePath).AssertSuccess("podman load + run").Output, Does.Contain("Hello, container!"));
            using var docker = DockerEngine.Start();
            var load = docker.Docker("load", "-i", one.ArchivePath).AssertSuccess("docker load");
            Assert.That(load.Output, Does.Contain("helloapp:latest"));
            var run = docker.Docker("run", "--rm", "--network", "none", "helloapp:latest").AssertSuccess("docker run");
            Assert.That(run.Output, Does.Contain("Hello, container!"));
        }

        [Test]
        public void ZstdLayersAreOciZstdAndReadBySkopeoPodmanAndZstd()
        {
            var project = TestProject.Console();
            var publish = project.Publish("-r", "linux-x64", "--self-contained", DepsBase, "-p:ContainerLayerCompression=zstd",
                "-p:ContainerArchiveOutputPath=" + project.ArchivePath).AssertSuccess("zstd publish");
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            var types = image.Manifest["layers"]!.Select(l => (string)l["mediaType"]!).ToArray();
            Assert.That(types.Take(image.Layers.Count(l => l.Kind == "base")), Is.All.EqualTo("application/vnd.oci.image.layer.v1.tar+gzip"), "base layers are never re-compressed");
            Assert.That(types.Skip(image.Layers.Count(l => l.Kind == "base")), Is.All.EqualTo("application/vnd.oci.image.layer.v1.tar+zstd"));
            var zstdTest = ProcessRunner.Run("zstd", new[] { "-t", "-q", image.BlobPath(image.Layer("runtime").Digest) });
            Assert.That(zstdTest.ExitCode, Is.EqualTo(0), "the reference zstd reads it: " + zstdTest.Output);

            // umoci 0.4 reads no zstd ("blob is not correct mediatype"): skopeo re-hashes every blob and decompresses it for diff_ids.
            ImageTools.Skopeo("copy", "-q", "oci:" + project.LayoutPath + ":latest", "dir:" + Path.Combine(project.Root, "from-layout")).AssertSuccess("skopeo copy layout");
            ImageTools.Skopeo("copy", "-q", "oci-archive:" + project.ArchivePath, "dir:" + Path.Combine(project.Root, "from-archive")).AssertSuccess("skopeo copy OCI archive");
            Assert.That(ImageTools.Run("oci:" + project.LayoutPath + ":latest").AssertSuccess("podman run").Output, Does.Contain("Hello, container!"));
            Assert.That(publish.Output, Does.Contain("zstd").Or.Contain("packed layer"));
        }
    }
}
