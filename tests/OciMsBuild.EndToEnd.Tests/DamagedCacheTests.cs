using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// The cache is a cache: a self-contained app (its ~35 MB runtime layer) is published once; then
    /// the blob store or the records in obj/ lose or damage something between unchanged builds.
    /// Each next build rebuilds what was lost from the inputs, says so in one line, and produces a
    /// byte-identical image (manifest digest, OCI layout, tarball). Damage the check cannot see
    /// (same size and mtime) fails the outputs with OCI3001, and building again recovers. Failures under the store
    /// itself (a file in the way, a full disk, read-only) are coded errors naming the path.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class DamagedCacheTests
    {
        private const string Repaired = "OciMsBuild: rebuilding what the cache lost";

        private TestProject _project = null!;
        private string _store = null!;
        private string _digest = null!;
        private Dictionary<string, string> _outputs = null!;
        private TimeSpan _noChange;

        private string RidDirectory => Path.Combine(_project.Directory_, "obj", "container", "Release", "net10.0", "linux-x64");
        private string ImageRecord => Path.Combine(RidDirectory, "image.json");
        private string BlobPath(string digest) => Path.Combine(_store, "blobs", "sha256", digest.Substring("sha256:".Length));

        private ProcessResult Publish(string? blobCache = null, params string[] extra) => _project.Publish(new[] { "-r", "linux-x64", "--self-contained",
            "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":deps",
            "-p:ContainerArchiveOutputPath=" + _project.ArchivePath,
            "-p:ContainerBlobCachePath=" + (blobCache ?? _store) }.Concat(extra).ToArray());

        [OneTimeSetUp]
        public void PublishOnce()
        {
            _project = TestProject.Console();
            // Its own store: these tests delete and damage it.
            _store = Path.Combine(_project.Root, "blob-store");
            Publish().AssertSuccess("first publish");
            var image = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            _digest = image.Digest;
            _outputs = OutputHashes();
            ImageTools.Validate(_project.LayoutPath, "latest", _project.ArchivePath).AssertSuccess("validate-image.sh");

            var unchanged = Publish().AssertSuccess("no-change publish");
            Assert.That(unchanged.Output, Does.Not.Contain(Repaired), "nothing to repair on a no-change build");
            _noChange = unchanged.Duration;
        }

        private ImageOnDisk Image => new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);

        /// <summary>sha256 of every file of the OCI layout and of the tarball.</summary>
        private Dictionary<string, string> OutputHashes()
        {
            var files = Directory.GetFiles(_project.LayoutPath, "*", SearchOption.AllDirectories)
                .Select(f => ("layout/" + Path.GetRelativePath(_project.LayoutPath, f), f))
                .Append(("tarball", _project.ArchivePath));
            return files.ToDictionary(f => f.Item1, f =>
            {
                using var s = File.OpenRead(f.Item2);
                return Convert.ToHexStringLower(SHA256.HashData(s));
            });
        }

        /// <summary>An unchanged publish after the damage: succeeds, says what it rebuilt, same image byte for byte.</summary>
        private ProcessResult RecoversWithTheSameImage(string what, params string[] expected)
        {
            var result = Publish().AssertSuccess("publish after " + what);
            var line = result.Output.Split('\n').FirstOrDefault(l => l.Contains(Repaired));
            Assert.That(line, Is.Not.Null, "the build says what it rebuilt:\n" + ProcessResult.Tail(result.Output));
            foreach (var e in expected) Assert.That(line, Does.Contain(e));
            Assert.That(Image.Digest, Is.EqualTo(_digest), "the same manifest digest");
            Assert.That(OutputHashes(), Is.EqualTo(_outputs), "the layout and the tarball are byte-identical");
            TestContext.Progress.WriteLine($"damaged cache ({what}): recovered in {result.Duration.TotalSeconds:0.0} s (no-change build {_noChange.TotalSeconds:0.0} s)");
            return result;
        }

        [Test, Order(1)]
        public void TheWholeBlobStoreDeleted()
        {
            Directory.Delete(_store, true);
            RecoversWithTheSameImage("blob store deleted", "missing from the blob store", "layer runtime", "→ packed again", "image linux-x64");
            ImageTools.Validate(_project.LayoutPath, "latest", _project.ArchivePath).AssertSuccess("validate-image.sh after the rebuild");

            // Repaired for good: the next build has nothing to say and re-packs nothing.
            var next = Publish().AssertSuccess("publish after the recovery");
            Assert.That(next.Output, Does.Not.Contain(Repaired).And.Not.Contain("packed layer"));
        }

        [Test, Order(2)]
        public void OneLayerBlobDeleted()
        {
            var runtime = Image.Layer("runtime").Digest;
            File.Delete(BlobPath(runtime));
            var result = RecoversWithTheSameImage("runtime layer blob deleted", "layer runtime " + runtime.Substring(0, 19) + " missing from the blob store → packed again");
            Assert.That(result.Output, Does.Contain("packed layer runtime"));
            Assert.That(result.Output, Does.Not.Contain("packed layer app"), "only what was lost is rebuilt");
        }

        [Test, Order(3)]
        public void OneByteFlippedInACachedLayer()
        {
            var packages = Image.Layer("packages").Digest;
            var path = BlobPath(packages);
            var length = new FileInfo(path).Length;
            using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
            {
                file.Position = length / 2;
                var b = file.ReadByte();
                file.Position = length / 2;
                file.WriteByte((byte)(b ^ 0x40));
            }
            Assert.That(new FileInfo(path).Length, Is.EqualTo(length), "same size: only the hash can tell");
            RecoversWithTheSameImage("one byte flipped in the packages layer", "layer packages " + packages.Substring(0, 19) + " damaged (removed) → packed again");
            ImageTools.Validate(_project.LayoutPath, "latest", _project.ArchivePath).AssertSuccess("validate-image.sh after the rebuild");
        }

        [Test, Order(4)]
        public void ALayerRecordDeleted()
        {
            File.Delete(Path.Combine(RidDirectory, "layers", "4-app.layer.json"));
            RecoversWithTheSameImage("layer record deleted", "layer record 4-app.layer.json was deleted");
        }

        [Test, Order(5)]
        public void TheImageRecordDeleted()
        {
            File.Delete(ImageRecord);
            RecoversWithTheSameImage("image.json deleted", "image record image.json was deleted → the image is built again");
        }

        [Test, Order(6)]
        public void TheImageRecordTruncated()
        {
            var text = File.ReadAllText(ImageRecord);
            File.WriteAllText(ImageRecord, text.Substring(0, text.Length / 2));
            RecoversWithTheSameImage("image.json truncated", "image record image.json is unreadable → the image is built again");
        }

        [Test, Order(7)]
        public void ABaseLayerBlobGone()
        {
            var baseLayer = Image.Layers.First(l => l.Kind == "base").Digest;
            File.Delete(BlobPath(baseLayer));
            RecoversWithTheSameImage("base layer blob deleted (oci-layout base)", "base layer " + baseLayer.Substring(0, 19) + " missing from the blob store", "→ image built again");
            Assert.That(File.Exists(BlobPath(baseLayer)), Is.True, "re-imported from the base layout");
        }

        [Test, Order(8)]
        public void DamageTheCheckCannotSeeIsCaughtByTheOutputsAndBuildingAgainRecovers()
        {
            // Same size and mtime: the check trusts its (size, mtime) stamp and does not hash it again.
            var app = Image.Layer("app").Digest;
            var path = BlobPath(app);
            var mtime = File.GetLastWriteTimeUtc(path);
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            File.SetLastWriteTimeUtc(path, mtime);

            // New tags rewrite the outputs (not the image), which read and verify every blob.
            var failed = Publish(null, "-p:ContainerImageTags=retagged");
            Assert.That(failed.ExitCode, Is.Not.EqualTo(0), ProcessResult.Tail(failed.Output));
            var error = failed.Output.Split('\n').FirstOrDefault(l => l.Contains("error OCI3001:"));
            Assert.That(error, Is.Not.Null, ProcessResult.Tail(failed.Output));
            Assert.That(error, Does.Contain(app).And.Contain("damaged").And.Contain("build again"));
            Assert.That(File.Exists(path), Is.False, "the damaged blob was removed");

            // The advice is true: building again rebuilds the blob, with the same digest.
            var again = Publish(null, "-p:ContainerImageTags=retagged").AssertSuccess("build again after OCI3001");
            Assert.That(again.Output, Does.Contain(Repaired).And.Contain("layer app " + app.Substring(0, 19) + " missing from the blob store → packed again"));
            Assert.That(Image.Digest, Is.EqualTo(_digest));
            ImageTools.Validate(_project.LayoutPath, "retagged", _project.ArchivePath).AssertSuccess("validate-image.sh after building again");

            Publish().AssertSuccess("back to the original tags");
            Assert.That(OutputHashes(), Is.EqualTo(_outputs), "the layout and the tarball are byte-identical");
        }

        [Test, Order(9)]
        public void ABlobCachePathThatIsAFileIsACodedError()
        {
            var file = Path.Combine(_project.Root, "cache-is-a-file");
            File.WriteAllText(file, "x");
            var result = Publish(file);
            AssertCodedError(result, "OCI3015", file);
            Assert.That(result.Output, Does.Contain("it is a file, not a directory"));
        }

        [Test, Order(10)]
        public void AFullDiskUnderTheBlobStoreIsACodedErrorAndLeavesNothingHalfWritten()
        {
            var full = Path.Combine(_project.Root, "tiny-store");
            using (Tmpfs.Mount(full, "size=2m"))
            {
                var result = Publish(full);
                AssertCodedError(result, "OCI3016", full);
                Assert.That(result.Output, Does.Contain("is full"));
                var temp = Path.Combine(full, "tmp");
                Assert.That(Directory.Exists(temp) ? Directory.GetFileSystemEntries(temp) : new string[0], Is.Empty, "no temp file left");
                var blobs = Path.Combine(full, "blobs", "sha256");
                foreach (var blob in Directory.Exists(blobs) ? Directory.GetFiles(blobs) : new string[0])
                {
                    using var s = File.OpenRead(blob);
                    Assert.That(Convert.ToHexStringLower(SHA256.HashData(s)), Is.EqualTo(Path.GetFileName(blob)), "no half-written blob");
                }
            }
        }

        [Test, Order(11)]
        public void AReadOnlyBlobStoreIsACodedError()
        {
            var readOnly = Path.Combine(_project.Root, "read-only-store");
            using (Tmpfs.Mount(readOnly, "ro,size=1m"))
            {
                AssertCodedError(Publish(readOnly), "OCI3015", readOnly);
            }
        }

        private static void AssertCodedError(ProcessResult result, string code, string path)
        {
            Assert.That(result.AssertCodedFailure(code), Does.Contain(path).And.Contain("ContainerBlobCachePath"));
        }

        /// <summary>A small tmpfs (we run as root, as CI does), unmounted again on Dispose.</summary>
        private sealed class Tmpfs : IDisposable
        {
            private readonly string _path;
            private Tmpfs(string path) => _path = path;

            public static Tmpfs Mount(string path, string options)
            {
                Directory.CreateDirectory(path);
                ProcessRunner.Run("mount", new[] { "-t", "tmpfs", "-o", options, "tmpfs", path }).AssertSuccess("mount a tmpfs (the tests run as root)");
                return new Tmpfs(path);
            }

            public void Dispose() => ProcessRunner.Run("umount", new[] { _path }).AssertSuccess("umount " + _path);
        }
    }
}
