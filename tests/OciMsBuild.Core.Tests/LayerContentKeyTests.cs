using System;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.LayerCache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// The shared layer cache's key covers what goes into the layer and nothing about where the
    /// build runs; file hashes are read once and reused while the file's size, mtime and ctime stay.
    /// </summary>
    public class LayerContentKeyTests
    {
        private static readonly DateTimeOffset Mtime = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        private TempDir _temp = null!;

        [SetUp] public void SetUp() => _temp = new TempDir();
        [TearDown] public void TearDown() => _temp.Dispose();

        /// <summary>A small publish folder under <paramref name="folder"/> (the same content wherever it is).</summary>
        private string Publish(string folder, string appText = "app bytes")
        {
            _temp.Write(folder + "/App.dll", appText);
            _temp.Write(folder + "/lib/libnative.so", "\u007fELF native");
            _temp.Write(folder + "/App.deps.json", "{}");
            File.CreateSymbolicLink(_temp.Combine(folder, "lib", "libnative.so.1"), "libnative.so");
            return _temp.Combine(folder);
        }

        private static LayerPlan Plan(string folder, LayerKind kind = LayerKind.Runtime, string workdir = "/app", int uid = 0, long mtime = 1700000000, int level = 6) =>
            LayerPlanBuilder.Build(kind, PublishFolderScanner.Scan(folder), workdir, uid, uid, DateTimeOffset.FromUnixTimeSeconds(mtime), level);

        private static (string, long) Content(string path) => (Digest.OfFile(path), new FileInfo(path).Length);

        private static string Key(LayerPlan plan) => LayerContentKey.Of(plan, Content);

        [Test]
        public void The_same_content_in_different_folders_and_projects_has_the_same_key()
        {
            var one = Plan(Publish("projectA/bin/Release/publish"));
            var two = Plan(Publish("elsewhere/SecondApp/obj/container/publish-linux-x64"), LayerKind.Packages);
            Assert.That(OciJson.ToText(one), Is.Not.EqualTo(OciJson.ToText(two)), "the plans differ (source paths, kind)");
            Assert.That(Key(two), Is.EqualTo(Key(one)));
            Assert.That(Key(one), Does.Match("^[0-9a-f]{64}$"));
            Assert.That(LayerContentKey.TextOf(one, Content), Does.Not.Contain(_temp.Path), "no machine path in the key");
        }

        [Test]
        public void Any_change_to_what_goes_into_the_layer_changes_the_key()
        {
            var folder = Publish("base");
            var baseline = Key(Plan(folder));

            Assert.That(Key(Plan(Publish("content", appText: "app bytez"))), Is.Not.EqualTo(baseline), "file content (same size)");
            Assert.That(Key(Plan(folder, workdir: "/srv")), Is.Not.EqualTo(baseline), "paths in the image");
            Assert.That(Key(Plan(folder, mtime: 1)), Is.Not.EqualTo(baseline), "mtime setting (SOURCE_DATE_EPOCH)");
            Assert.That(Key(Plan(folder, uid: 1000)), Is.Not.EqualTo(baseline), "uid/gid");
            Assert.That(Key(Plan(folder, level: 9)), Is.Not.EqualTo(baseline), "compression level");

            var mode = Plan(folder);
            mode.Entries.First(e => e.Path == "app/App.dll").Mode = 0x1ED;
            Assert.That(Key(mode), Is.Not.EqualTo(baseline), "a mode");

            var link = Plan(folder);
            link.Entries.First(e => e.LinkTarget != null).LinkTarget = "other.so";
            Assert.That(Key(link), Is.Not.EqualTo(baseline), "a link target");

            var renamed = Plan(folder);
            renamed.Entries.First(e => e.Path == "app/App.dll").Path = "app/App2.dll";
            Assert.That(Key(renamed), Is.Not.EqualTo(baseline), "a path in the image");

            var plan = Plan(folder);
            Assert.That(LayerContentKey.Hash(LayerContentKey.TextOf(plan, Content, "zstd/ZstdSharp/0.8.8")), Is.Not.EqualTo(baseline), "another compressor");
            Assert.That(LayerContentKey.Hash(LayerContentKey.TextOf(plan, Content, LayerPacker.CompressorIdentity(plan))), Is.EqualTo(baseline), "the packer's own compressor");
        }

        [Test]
        public void Computing_the_key_leaves_the_plan_as_it_was()
        {
            var plan = Plan(Publish("p"));
            var before = OciJson.ToText(plan);
            Key(plan);
            Assert.That(OciJson.ToText(plan), Is.EqualTo(before));
        }

        // ---- the file hash cache ----

        private static readonly Func<DateTime> Later = () => DateTime.UtcNow + TimeSpan.FromMinutes(5);

        [Test]
        public void A_hash_is_reused_while_size_and_mtime_stay_and_read_again_when_the_mtime_changes()
        {
            var file = _temp.Write("pub/big.dll", new byte[300_000]);
            var cachePath = _temp.Combine("obj", "file-hashes.txt");
            var first = FileHashCache.Load(cachePath, Later);
            var (digest, _) = first.HashOf(file);
            Assert.That(digest, Is.EqualTo(Digest.OfFile(file)));
            Assert.That((first.FilesHashed, first.BytesHashed, first.FilesReused), Is.EqualTo((1, 300_000L, 0)));
            first.Save();

            var second = FileHashCache.Load(cachePath, Later);
            Assert.That(second.HashOf(file).Digest, Is.EqualTo(digest));
            Assert.That((second.FilesHashed, second.FilesReused), Is.EqualTo((0, 1)), "reused: not read again");

            File.WriteAllBytes(file, Enumerable.Repeat((byte)7, 300_000).ToArray());
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-1));
            var third = FileHashCache.Load(cachePath, Later);
            Assert.That(third.HashOf(file).Digest, Is.EqualTo(Digest.OfFile(file)).And.Not.EqualTo(digest));
            Assert.That(third.FilesHashed, Is.EqualTo(1), "the mtime changed: read again");
        }

        [Test]
        public void A_file_rewritten_with_its_size_and_mtime_put_back_is_read_again_where_ctime_is_known()
        {
            Assert.That(FileSystemQuery.IsExact, Is.True, "these tests run on Linux, where ctime is known through the runtime's stat");
            var file = _temp.Write("pub/a.dll", "aaaa");
            var mtime = File.GetLastWriteTimeUtc(file);
            var cachePath = _temp.Combine("obj", "file-hashes.txt");
            var first = FileHashCache.Load(cachePath, Later);
            var (digest, stamp) = first.HashOf(file);
            Assert.That(stamp.CtimeNanoseconds, Is.Not.Null, "ctime read and the stat record layout checked");
            first.Save();

            System.Threading.Thread.Sleep(20); // past the file system's timestamp tick
            File.WriteAllText(file, "bbbb");
            File.SetLastWriteTimeUtc(file, mtime);
            var second = FileHashCache.Load(cachePath, Later);
            Assert.That(second.HashOf(file).Digest, Is.Not.EqualTo(digest));
            Assert.That(second.FilesHashed, Is.EqualTo(1));
        }

        [Test]
        public void A_file_changed_just_before_it_was_hashed_is_not_remembered()
        {
            var file = _temp.Write("pub/new.dll", "fresh");
            var cachePath = _temp.Combine("obj", "file-hashes.txt");
            var first = FileHashCache.Load(cachePath); // the real clock: the file is seconds old
            first.HashOf(file);
            first.Save();
            var second = FileHashCache.Load(cachePath, Later);
            second.HashOf(file);
            Assert.That(second.FilesHashed, Is.EqualTo(1), "a write in the same timestamp tick would not have changed the stamp");
        }

        [Test]
        public void A_damaged_hash_file_is_ignored()
        {
            var file = _temp.Write("pub/a.dll", "aaaa");
            var cachePath = _temp.Write("obj/file-hashes.txt", "ocimsbuild-file-hashes\t1\n" + file + "\t4:garbage\tsha256:00");
            var cache = FileHashCache.Load(cachePath, Later);
            Assert.That(cache.HashOf(file).Digest, Is.EqualTo(Digest.OfFile(file)));
            cache.Save();
            Assert.That(FileHashCache.Load(cachePath, Later).HashOf(file).Digest, Is.EqualTo(Digest.OfFile(file)));
        }

        [Test]
        public void Files_no_plan_names_are_forgotten()
        {
            var keep = _temp.Write("pub/keep.dll", "k");
            var drop = _temp.Write("pub/drop.dll", "d");
            var cachePath = _temp.Combine("obj", "file-hashes.txt");
            var cache = FileHashCache.Load(cachePath, Later);
            cache.HashOf(keep);
            cache.HashOf(drop);
            cache.RetainOnly(new[] { keep });
            cache.Save();
            Assert.That(File.ReadAllText(cachePath), Does.Contain(keep).And.Not.Contain(drop));
        }

        [Test]
        public void A_file_that_disappeared_before_it_was_hashed_is_OCI3014()
        {
            var cache = FileHashCache.Load(_temp.Combine("obj", "file-hashes.txt"));
            var e = Assert.Throws<OciException>(() => cache.HashOf(_temp.Combine("pub", "gone.dll")))!;
            Assert.That(e.Code, Is.EqualTo("OCI3014"));
            Assert.That(e.Message, Does.Contain("gone.dll").And.Contain("disappeared"));
        }
    }
}
