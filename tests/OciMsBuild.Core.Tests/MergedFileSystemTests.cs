using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.ImageFileSystem;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class MergedFileSystemTests
    {
        private static MergedFileSystem Merge(TempDir dir, params System.Action<TestLayers.LayerBuilder>[] layers)
        {
            var built = new TestLayers(dir);
            for (int i = 0; i < layers.Length; i++) built.Add(layers[i], gzip: i % 2 == 1);
            return MergedFileSystem.Read(built.Layers);
        }

        [Test]
        public void Upper_layers_replace_files_and_keep_folders()
        {
            using var dir = new TempDir();
            var fs = Merge(dir,
                l => l.Dir("etc/").File("etc/passwd", "root", mode: 0x1A4).File("etc/hosts", "h"),
                l => l.File("etc/passwd", "root\napp", mode: 0x180, uid: 5));
            var passwd = fs.Lookup("/etc/passwd")!;
            Assert.That(passwd.Mode, Is.EqualTo(0x180));
            Assert.That(passwd.Uid, Is.EqualTo(5));
            Assert.That(Encoding.UTF8.GetString(fs.ReadFiles(new[] { passwd }, 1000)["/etc/passwd"]), Is.EqualTo("root\napp"));
            Assert.That(fs.Lookup("/etc/hosts"), Is.Not.Null, "a file of the lower layer stays");
        }

        [Test]
        public void A_whiteout_hides_a_file_and_a_whole_folder_of_lower_layers()
        {
            using var dir = new TempDir();
            var fs = Merge(dir,
                l => l.File("usr/bin/wget", "x").File("var/cache/a", "a").File("var/cache/sub/b", "b"),
                l => l.Whiteout("usr/bin/wget").Whiteout("var/cache"));
            Assert.That(fs.Lookup("/usr/bin/wget"), Is.Null);
            Assert.That(fs.Lookup("/var/cache"), Is.Null);
            Assert.That(fs.Lookup("/var/cache/sub/b"), Is.Null);
            Assert.That(fs.Lookup("/usr/bin"), Is.Not.Null, "only the named entry goes");
            Assert.That(fs.Entries.Any(e => e.Path.Contains(".wh.")), Is.False, "whiteout markers are not files of the image");
        }

        [Test]
        public void An_opaque_folder_hides_lower_contents_but_keeps_its_own_layer()
        {
            using var dir = new TempDir();
            var fs = Merge(dir,
                l => l.File("app/old.dll", "old").File("app/keep/also-old", "x"),
                l => l.Opaque("app").File("app/new.dll", "new"));
            Assert.That(fs.List("/app").Select(e => e.Path), Is.EqualTo(new[] { "/app/new.dll" }));
        }

        [Test]
        public void A_file_replacing_a_folder_hides_what_was_in_it()
        {
            using var dir = new TempDir();
            var fs = Merge(dir,
                l => l.File("data/x", "x"),
                l => l.File("data", "now a file"));
            Assert.That(fs.Lookup("/data")!.Type, Is.EqualTo(EntryType.File));
            Assert.That(fs.Lookup("/data/x"), Is.Null);
        }

        [Test]
        public void Symbolic_links_resolve_in_folders_and_at_the_end_relative_and_absolute()
        {
            using var dir = new TempDir();
            var fs = Merge(dir,
                l => l.Dir("usr/").Dir("usr/lib/").File("usr/lib/libc.so.6", "elf", mode: 0x1ED)
                      .Symlink("lib", "usr/lib").Symlink("usr/lib/libc.so", "libc.so.6").Symlink("abs", "/usr/lib/libc.so")
                      .Symlink("dangling", "/nope").Symlink("loop1", "loop2").Symlink("loop2", "loop1"));
            Assert.That(fs.Lookup("/lib/libc.so.6")!.Path, Is.EqualTo("/usr/lib/libc.so.6"));
            Assert.That(fs.Lookup("/lib/libc.so")!.Path, Is.EqualTo("/usr/lib/libc.so.6"));
            Assert.That(fs.Lookup("/abs")!.Path, Is.EqualTo("/usr/lib/libc.so.6"));
            Assert.That(fs.Lookup("/abs", followLast: false)!.Type, Is.EqualTo(EntryType.Symlink));
            Assert.That(fs.Lookup("/dangling"), Is.Null);
            Assert.That(fs.Lookup("/loop1"), Is.Null, "a link loop ends instead of spinning");
        }

        [Test]
        public void A_hard_link_is_the_file_it_names_with_its_content()
        {
            using var dir = new TempDir();
            var fs = Merge(dir, l => l.File("bin/busybox", "box", mode: 0x1ED).HardLink("bin/sh", "bin/busybox"));
            var sh = fs.Lookup("/bin/sh")!;
            Assert.That(sh.Type, Is.EqualTo(EntryType.File));
            Assert.That(sh.Mode, Is.EqualTo(0x1ED));
            Assert.That(Encoding.UTF8.GetString(fs.ReadFiles(new[] { sh }, 100)["/bin/sh"]), Is.EqualTo("box"));
        }

        [Test]
        public void A_hard_link_to_a_symbolic_link_is_that_link_and_one_to_a_replaced_file_keeps_the_old_bytes()
        {
            using var dir = new TempDir();
            var fs = Merge(dir,
                l => l.File("etc/real", "v1").Symlink("etc/alias", "real").HardLink("etc/alias2", "etc/alias").HardLink("etc/old", "etc/real"),
                l => l.File("etc/real", "v2"));
            Assert.That(fs.Lookup("/etc/alias2", followLast: false)!.Type, Is.EqualTo(EntryType.Symlink));
            Assert.That(fs.Lookup("/etc/alias2")!.Path, Is.EqualTo("/etc/real"));
            var old = fs.Lookup("/etc/old")!;
            Assert.That(System.Text.Encoding.UTF8.GetString(fs.ReadFiles(new[] { old }, 100)["/etc/old"]), Is.EqualTo("v1"));
        }

        [Test]
        public void Folders_only_implied_by_their_files_exist()
        {
            using var dir = new TempDir();
            var fs = Merge(dir, l => l.File("./a/b/c.txt", "c"));
            Assert.That(fs.Lookup("/a/b")!.Type, Is.EqualTo(EntryType.Directory));
            Assert.That(fs.Lookup("/a/b/c.txt"), Is.Not.Null, "leading ./ is normalised");
        }
    }
}
