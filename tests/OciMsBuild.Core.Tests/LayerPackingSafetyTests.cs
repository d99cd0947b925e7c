using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>Links in layers, prompt cancellation, and files that change under the packer.</summary>
    public class LayerPackingSafetyTests
    {
        private static readonly DateTimeOffset Mtime = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        private TempDir _temp = null!;

        [SetUp] public void SetUp() => _temp = new TempDir();
        [TearDown] public void TearDown() => _temp.Dispose();

        private static List<TarEntry> Entries(BlobStore store, string digest)
        {
            var list = new List<TarEntry>();
            using var reader = new TarReader(new GZipStream(File.OpenRead(store.PathOf(digest)), CompressionMode.Decompress));
            TarEntry? entry;
            while ((entry = reader.GetNextEntry(copyData: true)) != null) list.Add(entry);
            return list;
        }

        [Test]
        public void Links_inside_the_publish_folder_become_symlink_entries()
        {
            var root = _temp.Combine("publish");
            _temp.Write("publish/lib/libfoo.so.1.2", "elf");
            File.CreateSymbolicLink(Path.Combine(root, "lib", "libfoo.so"), "libfoo.so.1.2");
            var longTarget = string.Concat(Enumerable.Repeat("./", 60)) + "libfoo.so.1.2";
            File.CreateSymbolicLink(Path.Combine(root, "lib", "long.so"), longTarget);

            var files = PublishFolderScanner.Scan(root);
            var plan = LayerPlanBuilder.Build(LayerKind.App, files, "/app", 0, 0, Mtime);
            Assert.That(OciJson.ToText(plan), Does.Contain("\"path\":\"app/lib/libfoo.so\",\"mode\":511,\"link\":\"libfoo.so.1.2\""));
            var store = new BlobStore(_temp.Combine("store"));
            var record = LayerPacker.Pack(plan, store);

            var entries = Entries(store, record.Digest).ToDictionary(e => e.Name);
            Assert.That(entries.Keys, Is.EqualTo(new[] { "app/", "app/lib/", "app/lib/libfoo.so", "app/lib/libfoo.so.1.2", "app/lib/long.so" }));
            var link = entries["app/lib/libfoo.so"];
            Assert.That(link.EntryType, Is.EqualTo(TarEntryType.SymbolicLink));
            Assert.That(link.LinkName, Is.EqualTo("libfoo.so.1.2"));
            Assert.That(link.Length, Is.EqualTo(0));
            Assert.That((int)link.Mode, Is.EqualTo(0x1FF), "lrwxrwxrwx, as ln -s and GNU tar record it");
            Assert.That(entries["app/lib/long.so"].LinkName, Is.EqualTo(longTarget), "targets over 100 bytes use a GNU long-link record");
            Assert.That(entries["app/lib/libfoo.so.1.2"].EntryType, Is.EqualTo(TarEntryType.RegularFile));

            Assert.That(LayerPacker.Pack(plan, new BlobStore(_temp.Combine("store2"))).Digest, Is.EqualTo(record.Digest), "deterministic");
        }

        [Test]
        public void Cancelling_a_big_pack_returns_within_a_second_and_leaves_no_temp_file()
        {
            // 96 MiB of incompressible data: several seconds of deflate on this machine.
            var big = _temp.Combine("publish", "big.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(big)!);
            using (var f = File.Create(big))
            {
                var rng = new Random(1);
                var block = new byte[1 << 20];
                for (int i = 0; i < 96; i++) { rng.NextBytes(block); f.Write(block, 0, block.Length); }
            }
            var plan = LayerPlanBuilder.Build(LayerKind.App, new[] { new PublishedFile("big.bin", big) }, "/app", 0, 0, Mtime);
            var store = new BlobStore(_temp.Combine("store"));
            using var cts = new CancellationTokenSource();
            cts.CancelAfter(TimeSpan.FromMilliseconds(500));
            var clock = new Stopwatch();
            cts.Token.Register(clock.Start);

            Assert.Throws(Is.InstanceOf<OperationCanceledException>(), () => LayerPacker.Pack(plan, store, cts.Token));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "from Cancel to return");
            TestContext.Out.WriteLine($"returned {clock.ElapsedMilliseconds} ms after cancellation");
            Assert.That(Directory.GetFiles(Path.Combine(store.Root, "tmp")), Is.Empty, "the half-written blob is gone");
            Assert.That(Directory.Exists(store.BlobDirectory) ? Directory.GetFiles(store.BlobDirectory) : new string[0], Is.Empty);
        }

        [Test]
        public void A_file_that_vanished_or_changed_size_after_planning_is_OCI3014()
        {
            var path = _temp.Write("publish/App.dll", "12345");
            var plan = LayerPlanBuilder.Build(LayerKind.App, new[] { new PublishedFile("App.dll", path) }, "/app", 0, 0, Mtime);
            var store = new BlobStore(_temp.Combine("store"));
            File.Delete(path);
            Assert.That(LayerPacker.Fingerprint(plan), Does.StartWith("sha256:"), "fingerprinting a missing file is no crash");
            var gone = Assert.Throws<OciException>(() => LayerPacker.Pack(plan, store))!;
            Assert.That(gone.Code, Is.EqualTo(ErrorCodes.PublishFileChanged));
            Assert.That(gone.Message, Does.Contain(path));
            Assert.That(Directory.GetFiles(Path.Combine(store.Root, "tmp")), Is.Empty);
        }

        [Test]
        public void Tar_writer_reports_a_file_that_grows_while_read_as_OCI3014()
        {
            var path = _temp.Write("growing.log", new string('a', 200_000));
            var sink = new GrowingSink(path);
            var tar = new DeterministicTarWriter(sink, new DateTime(2000, 1, 1), 0, 0);
            var e = Assert.Throws<OciException>(() => tar.WriteFile("growing.log", FileModes.Regular, path))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.PublishFileChanged));
            Assert.That(e.Message, Does.Contain("grew"));
        }

        /// <summary>Appends to the source file while its first block is being written, as a log writer would.</summary>
        private sealed class GrowingSink : MemoryStream
        {
            private readonly string _path;
            private bool _grown;
            public GrowingSink(string path) => _path = path;

            public override void Write(byte[] buffer, int offset, int count)
            {
                base.Write(buffer, offset, count);
                if (_grown || Length <= 512) return;
                _grown = true;
                File.AppendAllText(_path, new string('b', 100_000));
            }
        }
    }
}
