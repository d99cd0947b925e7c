using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class LayerTests
    {
        private const int Uid = 1654;
        private const int Gid = 1655;
        private static readonly DateTimeOffset Mtime = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        private const UnixFileMode Mode755 = (UnixFileMode)0x1ED;
        private const UnixFileMode Mode644 = (UnixFileMode)0x1A4;

        private static readonly byte[] Elf = { 0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0 };
        private static readonly string LongDir = "deep/" + new string('d', 60) + "/" + new string('e', 60);
        private static readonly string LongFile = LongDir + "/long-file-name.txt";

        /// <summary>Publish files, relative path → content.</summary>
        private static readonly (string Path, byte[] Content)[] Files =
        {
            ("App.dll", Encoding.UTF8.GetBytes("MZ not really an assembly")),
            ("App", Elf),
            ("run.sh", Encoding.UTF8.GetBytes("#!/bin/sh\nexec /app/App \"$@\"\n")),
            ("sub/data.txt", Encoding.UTF8.GetBytes("data")),
            ("sub/empty.bin", Array.Empty<byte>()),
            ("B.txt", Encoding.UTF8.GetBytes("upper B sorts before lower a")),
            ("a.txt", Encoding.UTF8.GetBytes("a")),
            (LongFile, Encoding.UTF8.GetBytes("long path content")),
        };

        private TempDir _temp = null!;

        [SetUp] public void SetUp() => _temp = new TempDir();
        [TearDown] public void TearDown() => _temp.Dispose();

        private List<PublishedFile> Publish(string folder, bool reverse, DateTime mtime)
        {
            var order = reverse ? Files.Reverse() : Files;
            var published = new List<PublishedFile>();
            foreach (var (path, content) in order)
            {
                var full = _temp.Write(folder + "/" + path, content);
                File.SetLastWriteTimeUtc(full, mtime);
                published.Add(new PublishedFile(path, full) { HasMetadata = true });
            }
            return published;
        }

        private (LayerPlan Plan, LayerRecord Record, BlobStore Store) PackDefault(string name = "one", bool reverse = false)
        {
            var files = Publish(name, reverse, new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
            var plan = LayerPlanBuilder.Build(LayerKind.App, files, "/app", Uid, Gid, Mtime);
            var store = new BlobStore(_temp.Combine("store-" + name));
            return (plan, LayerPacker.Pack(plan, store), store);
        }

        private static byte[] Gunzip(byte[] gz)
        {
            using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
            var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }

        private static List<(TarEntry Entry, byte[] Data)> ReadTar(byte[] tar)
        {
            var list = new List<(TarEntry, byte[])>();
            using var reader = new TarReader(new MemoryStream(tar));
            TarEntry? entry;
            while ((entry = reader.GetNextEntry(copyData: true)) != null)
            {
                var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                list.Add((entry, data.ToArray()));
            }
            return list;
        }

        [Test]
        public void Same_files_in_another_order_with_other_mtimes_and_paths_give_identical_layers()
        {
            var filesA = Publish("first", reverse: false, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            var filesB = Publish("second/nested/elsewhere", reverse: true, new DateTime(2024, 6, 30, 12, 0, 0, DateTimeKind.Utc));
            Assert.That(filesA.Select(f => f.RelativePath), Is.Not.EqualTo(filesB.Select(f => f.RelativePath)), "the inputs really are in different orders");

            var storeA = new BlobStore(_temp.Combine("storeA"));
            var storeB = new BlobStore(_temp.Combine("storeB"));
            var a = LayerPacker.Pack(LayerPlanBuilder.Build(LayerKind.App, filesA, "/app", Uid, Gid, Mtime), storeA);
            var b = LayerPacker.Pack(LayerPlanBuilder.Build(LayerKind.App, filesB, "/app", Uid, Gid, Mtime), storeB);

            Assert.Multiple(() =>
            {
                Assert.That(a.Digest, Is.EqualTo(b.Digest));
                Assert.That(a.DiffId, Is.EqualTo(b.DiffId));
                Assert.That(a.Size, Is.EqualTo(b.Size));
                Assert.That(a.UncompressedSize, Is.EqualTo(b.UncompressedSize));
                Assert.That(a.Digest, Is.Not.EqualTo(a.DiffId), "digest is of the gzip, diffId of the tar");
                Assert.That(a.Kind, Is.EqualTo("app"));
                Assert.That(a.MediaType, Is.EqualTo(MediaTypes.OciLayerGzip));
                Assert.That(File.ReadAllBytes(storeA.PathOf(a.Digest)), Is.EqualTo(File.ReadAllBytes(storeB.PathOf(b.Digest))));
            });
        }

        [Test]
        public void Different_epoch_or_owner_changes_the_layer()
        {
            var files = Publish("x", false, DateTime.UtcNow);
            var store = new BlobStore(_temp.Combine("store"));
            var baseline = LayerPacker.Pack(LayerPlanBuilder.Build(LayerKind.App, files, "/app", Uid, Gid, Mtime), store);
            var otherTime = LayerPacker.Pack(LayerPlanBuilder.Build(LayerKind.App, files, "/app", Uid, Gid, Mtime.AddSeconds(1)), store);
            var otherUid = LayerPacker.Pack(LayerPlanBuilder.Build(LayerKind.App, files, "/app", 0, Gid, Mtime), store);
            var otherDir = LayerPacker.Pack(LayerPlanBuilder.Build(LayerKind.App, files, "/srv", Uid, Gid, Mtime), store);
            Assert.That(new[] { baseline.DiffId, otherTime.DiffId, otherUid.DiffId, otherDir.DiffId }, Is.Unique);
        }

        [Test]
        public void Gzip_header_is_fixed_and_decompresses_to_the_diffId_tar()
        {
            var (_, record, store) = PackDefault();
            var gz = File.ReadAllBytes(store.PathOf(record.Digest));

            Assert.That(gz.Length, Is.EqualTo(record.Size));
            Assert.That(Digest.Of(gz), Is.EqualTo(record.Digest));
            Assert.That(gz.Take(4), Is.EqualTo(new byte[] { 0x1f, 0x8b, 0x08, 0x00 }), "magic, deflate, FLG=0 (no FNAME, FEXTRA, FCOMMENT)");
            Assert.That(gz.Skip(4).Take(4), Is.EqualTo(new byte[] { 0, 0, 0, 0 }), "MTIME is 0");

            var tar = Gunzip(gz);
            Assert.That(Digest.Of(tar), Is.EqualTo(record.DiffId));
            Assert.That(tar.LongLength, Is.EqualTo(record.UncompressedSize));
            Assert.That(tar.Length % 512, Is.EqualTo(0));
            Assert.That(tar.Skip(tar.Length - 1024), Is.All.EqualTo((byte)0), "ends with two zero blocks");
            Assert.That(BitConverter.ToUInt32(gz, gz.Length - 4), Is.EqualTo((uint)tar.Length), "ISIZE trailer");
        }

        [Test]
        public void Tar_entries_are_normalized()
        {
            var (plan, record, store) = PackDefault();
            var entries = ReadTar(Gunzip(File.ReadAllBytes(store.PathOf(record.Digest))));
            var names = entries.Select(e => e.Entry.Name).ToList();

            var expectedFiles = Files.Select(f => "app/" + f.Path).ToList();
            var expectedDirs = new[] { "app/", "app/sub/", "app/deep/", "app/deep/" + new string('d', 60) + "/", "app/" + LongDir + "/" };
            Assert.That(names, Is.EquivalentTo(expectedFiles.Concat(expectedDirs)), "files plus every parent directory, nothing else");
            Assert.That(names, Is.EqualTo(names.OrderBy(n => n, StringComparer.Ordinal).ToList()), "sorted ordinally");
            Assert.That(names.IndexOf("app/B.txt"), Is.LessThan(names.IndexOf("app/a.txt")), "ordinal, not culture, order");
            Assert.That(names, Is.EqualTo(plan.Entries.Select(e => e.Path)), "the tar follows the plan");

            foreach (var (entry, data) in entries)
            {
                Assert.Multiple(() =>
                {
                    Assert.That(entry.ModificationTime, Is.EqualTo(Mtime), entry.Name);
                    Assert.That(entry.Uid, Is.EqualTo(Uid), entry.Name);
                    Assert.That(entry.Gid, Is.EqualTo(Gid), entry.Name);
                    Assert.That(entry, Is.InstanceOf<GnuTarEntry>(), entry.Name);
                    var gnu = (GnuTarEntry)entry;
                    Assert.That(gnu.UserName, Is.Empty, entry.Name);
                    Assert.That(gnu.GroupName, Is.Empty, entry.Name);
                    Assert.That(gnu.AccessTime, Is.EqualTo(default(DateTimeOffset)).Or.EqualTo(DateTimeOffset.UnixEpoch), entry.Name);
                });
                bool dir = entry.Name.EndsWith("/", StringComparison.Ordinal);
                Assert.That(entry.EntryType, Is.EqualTo(dir ? TarEntryType.Directory : TarEntryType.RegularFile), entry.Name);
                bool executable = dir || entry.Name == "app/App" || entry.Name == "app/run.sh";
                Assert.That(entry.Mode, Is.EqualTo(executable ? Mode755 : Mode644), entry.Name);
                if (!dir)
                    Assert.That(data, Is.EqualTo(Files.Single(f => "app/" + f.Path == entry.Name).Content), entry.Name);
            }
            Assert.That(("app/" + LongFile).Length, Is.GreaterThan(100), "the long path needs the GNU long-name record");
        }

        [Test]
        public void Tar_writer_round_trips_through_TarReader()
        {
            var ms = new MemoryStream();
            var tar = new DeterministicTarWriter(ms, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), 7, 8);
            var longName = "x/" + new string('n', 150) + ".txt";
            tar.WriteDirectory("x/", FileModes.Directory);
            tar.WriteBytes(longName, FileModes.Regular, Encoding.UTF8.GetBytes("hello"));
            tar.WriteBytes("x/exactly-512", FileModes.Executable, new byte[512]);
            tar.Finish();

            var entries = ReadTar(ms.ToArray());
            Assert.That(entries.Select(e => e.Entry.Name), Is.EqualTo(new[] { "x/", longName, "x/exactly-512" }));
            Assert.That(Encoding.UTF8.GetString(entries[1].Data), Is.EqualTo("hello"));
            Assert.That(entries[2].Data.Length, Is.EqualTo(512));
            Assert.That(entries[2].Entry.Mode, Is.EqualTo(Mode755));
            Assert.That(entries.Select(e => e.Entry.ModificationTime), Is.All.EqualTo(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(entries.Select(e => e.Entry.Uid), Is.All.EqualTo(7));
            Assert.That(entries.Select(e => e.Entry.Gid), Is.All.EqualTo(8));
            // header + 1 block data (long name) + header + 1 block + header + 1 block + 2 end blocks (+ dir header)
            Assert.That(ms.Length, Is.EqualTo(512 * (1 + 2 + 2 + 2 + 2)));
        }

        [Test]
        public void Gzip_stream_is_byte_identical_for_identical_input_and_matches_gzip()
        {
            var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => i.ToString())));
            byte[] Compress()
            {
                var ms = new MemoryStream();
                using (var gz = new ManagedGzipStream(ms)) { gz.Write(data, 0, 100); gz.Write(data, 100, data.Length - 100); }
                return ms.ToArray();
            }
            var one = Compress();
            Assert.That(Compress(), Is.EqualTo(one));
            Assert.That(Gunzip(one), Is.EqualTo(data));
            Assert.That(one.Length, Is.LessThan(data.Length), "it really compresses");

            var empty = new MemoryStream();
            using (var gz = new ManagedGzipStream(empty)) gz.Finish();
            Assert.That(Gunzip(empty.ToArray()), Is.Empty);
        }

        [TestCase(new byte[] { 0x7f, 0x45, 0x4c, 0x46, 1 }, 0x1ED)]
        [TestCase(new byte[] { 0x7f, 0x45, 0x4c, 0x46 }, 0x1ED)]
        [TestCase(new byte[] { 0x7f, 0x45, 0x4c }, 0x1A4)]
        [TestCase(new byte[] { (byte)'#', (byte)'!' }, 0x1ED)]
        [TestCase(new byte[] { (byte)'#', (byte)' ', (byte)'!' }, 0x1A4)]
        [TestCase(new byte[] { (byte)'M', (byte)'Z', 0x90, 0 }, 0x1A4)]
        [TestCase(new byte[0], 0x1A4)]
        public void FileModes_come_from_content(byte[] head, int mode)
        {
            Assert.That(FileModes.For(_temp.Write("f", head)), Is.EqualTo(mode));
        }

        [Test]
        public void Plan_emits_parents_once_and_honours_the_working_directory()
        {
            var f1 = new PublishedFile("a/b/c.txt", _temp.Write("a/b/c.txt", "c"));
            var f2 = new PublishedFile("a\\d.txt", _temp.Write("a/d.txt", "d"));
            var plan = LayerPlanBuilder.Build(LayerKind.Packages, new[] { f1, f2 }, "/srv/my app/", 1, 2, Mtime);
            Assert.That(plan.Entries.Select(e => e.Path), Is.EqualTo(new[]
            {
                "srv/", "srv/my app/", "srv/my app/a/", "srv/my app/a/b/", "srv/my app/a/b/c.txt", "srv/my app/a/d.txt",
            }));
            Assert.That(plan.Entries.Where(e => e.IsDirectory).Select(e => e.Mode), Is.All.EqualTo(FileModes.Directory));
            Assert.That(plan.Kind, Is.EqualTo("packages"));
            Assert.That(plan.MtimeUnixSeconds, Is.EqualTo(1700000000));
            Assert.That((plan.Uid, plan.Gid), Is.EqualTo((1, 2)));

            var root = LayerPlanBuilder.Build(LayerKind.App, new[] { f1 }, "/", 0, 0, Mtime);
            Assert.That(root.Entries.Select(e => e.Path), Is.EqualTo(new[] { "a/", "a/b/", "a/b/c.txt" }));
        }

        [Test]
        public void Fingerprint_follows_the_source_files_but_the_digest_does_not()
        {
            var path = _temp.Write("p/App.dll", "same");
            var files = new[] { new PublishedFile("App.dll", path) };
            var plan = LayerPlanBuilder.Build(LayerKind.App, files, "/app", 0, 0, Mtime);
            var store = new BlobStore(_temp.Combine("s"));
            File.SetLastWriteTimeUtc(path, new DateTime(2010, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            var before = LayerPacker.Pack(plan, store);
            File.SetLastWriteTimeUtc(path, new DateTime(2011, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            var touched = LayerPacker.Pack(plan, store);
            Assert.That(touched.Fingerprint, Is.Not.EqualTo(before.Fingerprint));
            Assert.That(touched.Digest, Is.EqualTo(before.Digest));
            Assert.That(LayerPacker.Fingerprint(plan), Is.EqualTo(touched.Fingerprint), "stable while nothing changes");

            File.WriteAllText(path, "different");
            File.SetLastWriteTimeUtc(path, new DateTime(2011, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            var changed = LayerPacker.Pack(plan, store);
            Assert.That(changed.Digest, Is.Not.EqualTo(before.Digest));
            Assert.That(changed.Fingerprint, Is.Not.EqualTo(touched.Fingerprint), "size is part of the fingerprint");
        }

        [Test]
        public void Compression_level_is_part_of_the_plan_and_changes_only_the_compressed_bytes()
        {
            var path = _temp.Write("c/App.dll", new string('x', 20000));
            var files = new[] { new PublishedFile("App.dll", path) };
            var store = new BlobStore(_temp.Combine("s"));
            var level6 = LayerPlanBuilder.Build(LayerKind.App, files, "/app", 0, 0, Mtime);
            var level0 = LayerPlanBuilder.Build(LayerKind.App, files, "/app", 0, 0, Mtime, compressionLevel: 0);
            Assert.That(LayerPacker.Fingerprint(level0), Is.Not.EqualTo(LayerPacker.Fingerprint(level6)), "changing only the level packs again");
            var a = LayerPacker.Pack(level6, store);
            var b = LayerPacker.Pack(level0, store);
            Assert.That(b.DiffId, Is.EqualTo(a.DiffId), "same tar");
            Assert.That(b.Size, Is.GreaterThan(a.Size), "level 0 stores");
        }

        [Test]
        public void HashingStream_counts_and_hashes_what_passes()
        {
            var sink = new MemoryStream();
            using var h = new HashingStream(sink, leaveOpen: true);
            var bytes = Encoding.ASCII.GetBytes("abc");
            h.Write(bytes, 0, 2);
            h.Write(bytes, 2, 1);
            Assert.That(h.ByteCount, Is.EqualTo(3));
            Assert.That(h.FinishDigest(), Is.EqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
            Assert.That(sink.ToArray(), Is.EqualTo(bytes));
        }
    }
}
