using System;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// Temp files a killed build left behind go on a later build; what a running build is writing,
    /// and anything that is not one of our temp names, stays.
    /// </summary>
    public class StaleTempFilesTests
    {
        private const string Hex = "0123456789abcdef0123456789abcdef";
        private static readonly DateTime LongAgo = DateTime.UtcNow.AddHours(-3);
        private TempDir _temp = null!;

        [SetUp] public void SetUp() => _temp = new TempDir();
        [TearDown] public void TearDown() => _temp.Dispose();

        private string Old(string relative, string content = "partial")
        {
            var path = _temp.Write(relative, content);
            File.SetLastWriteTimeUtc(path, LongAgo);
            return path;
        }

        private string OldDirectory(string relative)
        {
            var file = Old(relative + "/blobs/sha256/" + Hex);
            Directory.SetLastWriteTimeUtc(_temp.Combine(relative, "blobs", "sha256"), LongAgo);
            Directory.SetLastWriteTimeUtc(_temp.Combine(relative, "blobs"), LongAgo);
            Directory.SetLastWriteTimeUtc(_temp.Combine(relative), LongAgo);
            return _temp.Combine(relative);
        }

        [Test]
        public void Opening_the_blob_store_removes_temp_files_of_killed_builds_only()
        {
            var killed = Old("store/tmp/" + Hex + ".tmp");
            var fresh = _temp.Write("store/tmp/" + Hex.Replace('0', '1') + ".tmp", "being written");
            var notOurs = Old("store/tmp/notes.txt");
            var blob = Old("store/blobs/sha256/" + Hex + Hex);

            _ = new BlobStore(_temp.Combine("store"));

            Assert.That(File.Exists(killed), Is.False, "an old temp file nobody holds open");
            Assert.That(File.Exists(fresh), Is.True, "written less than a minute ago: maybe a running build");
            Assert.That(File.Exists(notOurs), Is.True, "not a name we generate");
            Assert.That(File.Exists(blob), Is.True, "blobs are never touched");
        }

        [Test]
        public void A_temp_file_a_running_build_holds_open_stays_however_old()
        {
            var live = Old("store/tmp/" + Hex + ".tmp");
            using (new FileStream(live, FileMode.Open, FileAccess.Write, FileShare.None)) // as BlobStore.PutStream writes
            {
                Assert.That(StaleTempFiles.CleanBlobStoreTemp(_temp.Combine("store", "tmp")), Is.EqualTo(0));
                Assert.That(File.Exists(live), Is.True);
            }
            Assert.That(StaleTempFiles.CleanBlobStoreTemp(_temp.Combine("store", "tmp")), Is.EqualTo(1), "closed: stale");
            Assert.That(File.Exists(live), Is.False);
        }

        [Test]
        public void Unpacked_base_archives_of_killed_builds_go_after_an_hour()
        {
            var killed = OldDirectory("store/tmp/extract-" + Hex);
            var other = OldDirectory("store/tmp/extract-mine");
            Assert.That(StaleTempFiles.CleanBlobStoreTemp(_temp.Combine("store", "tmp")), Is.EqualTo(1));
            Assert.That(Directory.Exists(killed), Is.False);
            Assert.That(Directory.Exists(other), Is.True);
        }

        [Test]
        public void Output_siblings_of_killed_builds_go_and_everything_else_stays()
        {
            var archive = _temp.Combine("out", "app.tar");
            var archiveTemp = Old("out/app.tar.tmp-" + Hex);
            var summaryTemp = Old("out/app.tar.tmp");
            var otherTemp = Old("out/other.tar.tmp-" + Hex);
            var lookalike = Old("out/app.tar.tmp-not-a-guid");
            var output = Old("out/app.tar", "the real archive");

            Assert.That(StaleTempFiles.CleanBeside(archive), Is.EqualTo(1));
            Assert.That(File.Exists(archiveTemp), Is.False);
            Assert.That(File.Exists(summaryTemp), Is.True, "a bare NAME.tmp may be the user's own file");
            Assert.That(File.Exists(otherTemp), Is.True, "another output's temp file");
            Assert.That(File.Exists(lookalike), Is.True);
            Assert.That(File.Exists(output), Is.True);
        }

        [Test]
        public void Layout_folders_go_only_when_nothing_in_them_was_written_for_an_hour()
        {
            var layout = _temp.Combine("obj", "image");
            var staging = OldDirectory("obj/image.tmp-" + Hex);
            var replaced = OldDirectory("obj/image.old-" + Hex.Replace('a', 'b'));
            var live = OldDirectory("obj/image.tmp-" + Hex.Replace('0', '2'));
            _temp.Write("obj/image.tmp-" + Hex.Replace('0', '2') + "/blobs/sha256/new", "a blob copied just now");
            Directory.CreateDirectory(layout);

            Assert.That(StaleTempFiles.CleanBeside(layout + "/"), Is.EqualTo(2));
            Assert.That(Directory.Exists(staging), Is.False);
            Assert.That(Directory.Exists(replaced), Is.False);
            Assert.That(Directory.Exists(live), Is.True, "a running build is still copying blobs into it");
            Assert.That(Directory.Exists(layout), Is.True);
        }

        [Test]
        public void Links_named_like_temp_files_are_not_followed_or_removed()
        {
            var precious = OldDirectory("precious");
            var link = _temp.Combine("out", "app.tar.tmp-" + Hex);
            Directory.CreateDirectory(_temp.Combine("out"));
            Directory.CreateSymbolicLink(link, precious);

            Assert.That(StaleTempFiles.CleanBeside(_temp.Combine("out", "app.tar")), Is.EqualTo(0));
            Assert.That(Directory.EnumerateFiles(precious, "*", SearchOption.AllDirectories).Count(), Is.EqualTo(1));
            Assert.That(File.Exists(link) || Directory.Exists(link), Is.True);
        }

        [Test]
        public void Missing_folders_and_odd_paths_are_no_error()
        {
            Assert.That(StaleTempFiles.CleanBlobStoreTemp(_temp.Combine("nothing", "tmp")), Is.EqualTo(0));
            Assert.That(StaleTempFiles.CleanBeside(_temp.Combine("nothing", "app.tar")), Is.EqualTo(0));
            Assert.That(StaleTempFiles.CleanBeside("/"), Is.EqualTo(0));
        }
    }
}
