using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// What a publish folder may hold: regular files, folders, links that stay inside. Each other kind
    /// is a coded error naming the file, found without opening anything (a FIFO would block forever).
    /// </summary>
    [NonParallelizable] // one test switches FileSystemQuery to its managed fallback
    public class PublishFolderScannerTests
    {
        private TempDir _temp = null!;
        private string _root = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _root = _temp.Combine("publish");
            Directory.CreateDirectory(_root);
        }

        [TearDown]
        public void TearDown()
        {
            FileSystemQuery.ForceManaged = false;
            _temp.Dispose();
        }

        private string Write(string relative, string content = "x") => _temp.Write("publish/" + relative, content);

        private string Link(string relative, string target)
        {
            var path = Path.Combine(_root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.CreateSymbolicLink(path, target);
            return path;
        }

        private static void Run(string tool, params string[] args)
        {
            var info = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            var error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.That(p.ExitCode, Is.EqualTo(0), $"{tool} {string.Join(" ", args)}: {error}");
        }

        private string Fifo(string relative)
        {
            var path = Path.Combine(_root, relative);
            Run("mkfifo", path);
            return path;
        }

        /// <summary>Scans on another thread so that a regression (opening a FIFO) fails instead of hanging the run.</summary>
        private System.Collections.Generic.List<PublishedFile> Scan()
        {
            var scan = Task.Run(() => PublishFolderScanner.Scan(_root));
            Assert.That(scan.Wait(TimeSpan.FromSeconds(20)), Is.True, "the scan must never block");
            return scan.Result;
        }

        private OciException ScanFails(string code)
        {
            var scan = Task.Run(() => PublishFolderScanner.Scan(_root));
            try { Assert.That(scan.Wait(TimeSpan.FromSeconds(20)), Is.True, "the scan must never block"); }
            catch (AggregateException e) when (e.InnerException is OciException oci)
            {
                Assert.That(oci.Code, Is.EqualTo(code), oci.Message);
                return oci;
            }
            Assert.Fail("expected " + code + ", got " + string.Join(", ", scan.Result.Select(f => f.RelativePath)));
            return null!;
        }

        [Test]
        public void Kinds_come_from_lstat_without_opening()
        {
            Assert.That(FileSystemQuery.IsExact, Is.True, "on Linux the runtime's lstat must be usable");
            var file = Write("f.txt");
            var fifo = Fifo("pipe");
            var link = Link("link", "f.txt");
            Assert.That(FileSystemQuery.KindOf(file), Is.EqualTo(PathKind.Regular));
            Assert.That(FileSystemQuery.KindOf(_root), Is.EqualTo(PathKind.Directory));
            Assert.That(FileSystemQuery.KindOf(fifo), Is.EqualTo(PathKind.Fifo));
            Assert.That(FileSystemQuery.KindOf(link), Is.EqualTo(PathKind.Symlink), "the link itself, not its target");
            Assert.That(FileSystemQuery.KindOf(Path.Combine(_root, "nope")), Is.EqualTo(PathKind.Missing));
            Assert.That(FileSystemQuery.KindOf("/dev/null"), Is.EqualTo(PathKind.CharacterDevice));
            Assert.That(FileSystemQuery.ReadLink(link), Is.EqualTo("f.txt"));
            Assert.That(FileSystemQuery.ReadLink(file), Is.Null);
            Assert.That(FileSystemQuery.RealPath(link, out _), Is.EqualTo(FileSystemQuery.RealPath(file, out _)));
        }

        [Test]
        public void Regular_files_are_listed_in_ordinal_order_and_empty_folders_are_left_out()
        {
            Write("b.txt");
            Write("B.txt");
            Write("sub/deeper/c.txt");
            Directory.CreateDirectory(Path.Combine(_root, "empty"));
            var files = Scan();
            Assert.That(files.Select(f => f.RelativePath), Is.EqualTo(new[] { "B.txt", "b.txt", "sub/deeper/c.txt" }));
            Assert.That(files.Select(f => f.LinkTarget), Is.All.Null);
            Assert.That(files[2].SourcePath, Is.EqualTo(Path.Combine(_root, "sub", "deeper", "c.txt")));
        }

        [Test]
        public void Fifo_is_OCI3010_naming_it_and_nothing_blocks()
        {
            Write("App.dll");
            var fifo = Fifo("logs.pipe");
            var e = ScanFails(ErrorCodes.PublishOutputSpecialFile);
            Assert.That(e.Message, Does.Contain(fifo).And.Contain("FIFO"));
        }

        [Test]
        public void Socket_is_OCI3010()
        {
            var path = Path.Combine(_root, "app.sock");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Bind(new UnixDomainSocketEndPoint(path));
            Assert.That(ScanFails(ErrorCodes.PublishOutputSpecialFile).Message, Does.Contain(path).And.Contain("socket"));
        }

        [Test]
        public void Device_is_OCI3010()
        {
            var path = Path.Combine(_root, "null");
            Run("mknod", path, "c", "1", "3"); // the tests run as root (the build container); mknod needs it
            Assert.That(ScanFails(ErrorCodes.PublishOutputSpecialFile).Message, Does.Contain(path).And.Contain("character device"));
        }

        [Test]
        public void Links_inside_are_kept_as_relative_links_and_folder_links_are_not_walked()
        {
            Write("lib/libfoo.so.1.2", "elf");
            Link("lib/libfoo.so.1", "libfoo.so.1.2");
            Link("lib/libfoo.so", "./libfoo.so.1");                       // a chain, kept verbatim
            Link("current", "lib");                                       // a folder link
            Link("abs.so", Path.Combine(_root, "lib", "libfoo.so.1.2"));  // absolute: rewritten
            Link("sub/up.so", "../lib/libfoo.so.1.2");
            Link("sub/via-folder-link.so", "../current/libfoo.so.1.2");
            var files = Scan();
            Assert.That(files.Select(f => (f.RelativePath, f.LinkTarget)), Is.EqualTo(new (string, string?)[]
            {
                ("abs.so", "lib/libfoo.so.1.2"),
                ("current", "lib"),
                ("lib/libfoo.so", "./libfoo.so.1"),
                ("lib/libfoo.so.1", "libfoo.so.1.2"),
                ("lib/libfoo.so.1.2", null),
                ("sub/up.so", "../lib/libfoo.so.1.2"),
                ("sub/via-folder-link.so", "../current/libfoo.so.1.2"),
            }), "nothing under the folder link 'current' is listed twice");
        }

        [Test]
        public void Link_leaving_the_folder_is_OCI3011()
        {
            var outside = _temp.Write("secret.txt", "host file");
            var link = Link("config.json", outside);
            var e = ScanFails(ErrorCodes.PublishOutputLinkOutside);
            Assert.That(e.Message, Does.Contain(link).And.Contain(outside));
        }

        [Test]
        public void Relative_link_climbing_out_and_back_in_is_OCI3011()
        {
            Write("App.dll");
            // Resolves to a file inside on this machine, but under /app in the image it would not.
            Link("again.dll", "../publish/App.dll");
            Assert.That(ScanFails(ErrorCodes.PublishOutputLinkOutside).Message, Does.Contain("'..'"));
        }

        [Test]
        public void Folder_link_leaving_the_folder_is_OCI3011()
        {
            Directory.CreateDirectory(_temp.Combine("elsewhere"));
            _temp.Write("elsewhere/x.txt", "x");
            Link("data", _temp.Combine("elsewhere"));
            ScanFails(ErrorCodes.PublishOutputLinkOutside);
        }

        [Test]
        public void Dangling_link_is_OCI3012()
        {
            var link = Link("gone.dll", "not-there.dll");
            var e = ScanFails(ErrorCodes.PublishOutputBrokenLink);
            Assert.That(e.Message, Does.Contain(link).And.Contain("dangling"));
        }

        [TestCase("a", "b", "b", "a")]
        [TestCase("self", "self", null, null)]
        public void Link_loop_is_OCI3012(string first, string firstTarget, string? second, string? secondTarget)
        {
            Link(first, firstTarget);
            if (second != null) Link(second, secondTarget!);
            Assert.That(ScanFails(ErrorCodes.PublishOutputBrokenLink).Message, Does.Contain("loop"));
        }

        [TestCase("sub/up", "..")]
        [TestCase("here", ".")]
        [TestCase("sub/deeper/back", "../../sub")]
        public void Link_to_a_folder_that_contains_it_is_OCI3012(string link, string target)
        {
            Write("sub/deeper/f.txt");
            Link(link, target);
            Assert.That(ScanFails(ErrorCodes.PublishOutputBrokenLink).Message, Does.Contain("directory loop"));
        }

        [Test]
        public void Link_to_a_fifo_inside_is_OCI3010()
        {
            Fifo("z.pipe");
            var link = Link("a-link", "z.pipe");
            Assert.That(ScanFails(ErrorCodes.PublishOutputSpecialFile).Message, Does.Contain(link).And.Contain("FIFO"));
        }

        [Test]
        public void Managed_fallback_classifies_files_folders_and_links()
        {
            Write("lib/libfoo.so.1.2", "elf");
            Link("lib/libfoo.so", "libfoo.so.1.2");
            FileSystemQuery.ForceManaged = true;
            Assert.That(Scan().Select(f => (f.RelativePath, f.LinkTarget)), Is.EqualTo(new (string, string?)[]
            {
                ("lib/libfoo.so", "libfoo.so.1.2"),
                ("lib/libfoo.so.1.2", null),
            }));
            Link("loop", "loop");
            ScanFails(ErrorCodes.PublishOutputBrokenLink);
        }

        [TestCase("", "a/b", true)]
        [TestCase("x", "../a", true)]
        [TestCase("x", "../../a", false)]
        [TestCase("x/y", "./../../z/../a", true)]
        [TestCase("", "../publish/a", false)]
        public void StaysInside(string from, string target, bool inside) =>
            Assert.That(PublishFolderScanner.StaysInside(from, target), Is.EqualTo(inside));

        [TestCase("", "lib/a.so", "lib/a.so")]
        [TestCase("lib", "lib/a.so", "a.so")]
        [TestCase("x/y", "lib/a.so", "../../lib/a.so")]
        [TestCase("lib/x", "lib", "..")]
        public void RelativeTo(string from, string to, string expected) =>
            Assert.That(PublishFolderScanner.RelativeTo(from, to), Is.EqualTo(expected));

        [Test]
        public void An_entry_that_cannot_be_examined_is_OCI3013_naming_it()
        {
            // Root (as the tests run) reads any folder, so the message is checked directly.
            var e = PublishFolderScanner.Unreadable("/pub/locked", "permission denied");
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.PublishOutputUnreadable));
            Assert.That(e.Message, Is.EqualTo("'/pub/locked' in the publish output cannot be examined: permission denied. Check its permissions and publish again."));
        }
    }
}
