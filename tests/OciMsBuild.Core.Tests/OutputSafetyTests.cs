using System;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// Outputs never destroy what OciMsBuild did not write: foreign folders and files are refused
    /// (OCI1024), outputs on inputs or on each other are refused (OCI1025/OCI1018), and a refused
    /// write leaves the path exactly as it was.
    /// </summary>
    public class OutputSafetyTests : StoreFixture
    {
        private static readonly ImageName Name = new ImageName(null, "app", new[] { "1.0" });

        private string[] Leftovers() =>
            Directory.GetFileSystemEntries(_temp.Path).Select(p => Path.GetFileName(p)!).Where(n => n.Contains(".tmp") || n.Contains(".old-")).ToArray();

        private static OciException Refused(string code, TestDelegate write)
        {
            var e = Assert.Throws<OciException>(write)!;
            Assert.That(e.Code, Is.EqualTo(code), e.Message);
            return e;
        }

        [Test]
        public void Layout_over_a_folder_with_user_files_is_OCI1024_and_the_files_survive()
        {
            var image = TestImages.Build(_store, _temp);
            var dir = _temp.Combine("d");
            _temp.Write("d/keep.txt", "mine");
            _temp.Write("d/sub/deeper.txt", "mine too");

            var e = Refused(ErrorCodes.OutputPathNotOurs, () => OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store));
            Assert.That(e.Message, Does.Contain("ContainerLayoutOutputPath").And.Contain(dir).And.Contain("'keep.txt'"));
            Assert.That(File.ReadAllText(Path.Combine(dir, "keep.txt")), Is.EqualTo("mine"));
            Assert.That(File.ReadAllText(Path.Combine(dir, "sub", "deeper.txt")), Is.EqualTo("mine too"));
            Assert.That(Leftovers(), Is.Empty, "no staging folder left");
        }

        [Test]
        public void Layout_over_a_foreign_OCI_layout_is_refused()
        {
            // An OCI layout someone else wrote (skopeo, umoci, another tool) may hold other images.
            var image = TestImages.Build(_store, _temp);
            var dir = _temp.Combine("other-layout");
            _temp.Write("other-layout/oci-layout", LayoutContent.OciLayoutFile);
            _temp.Write("other-layout/index.json", "{\"schemaVersion\":2,\"manifests\":[]}");
            Refused(ErrorCodes.OutputPathNotOurs, () => OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store));
            Assert.That(File.Exists(Path.Combine(dir, "index.json")));
        }

        [Test]
        public void Layout_into_an_empty_folder_or_over_our_own_layout_is_allowed()
        {
            var image = TestImages.Build(_store, _temp);
            var dir = _temp.Combine("empty");
            Directory.CreateDirectory(dir);
            OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store);
            Assert.That(File.Exists(Path.Combine(dir, OutputOwnership.LayoutMarkerFileName)));
            OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store);
            Assert.That(File.Exists(Path.Combine(dir, "index.json")));
        }

        [Test]
        public void An_unmarked_layout_inside_our_work_folder_is_ours()
        {
            // Earlier versions wrote obj/container/.../image without the marker.
            var image = TestImages.Build(_store, _temp);
            var work = _temp.Combine("obj", "container");
            var dir = Path.Combine(work, "image");
            _temp.Write("obj/container/image/index.json", "{}");
            _temp.Write("obj/container/image/oci-layout", LayoutContent.OciLayoutFile);
            Refused(ErrorCodes.OutputPathNotOurs, () => OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store));
            OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store, work);
            Assert.That(File.Exists(Path.Combine(dir, OutputOwnership.LayoutMarkerFileName)));
            // The work folder itself is never "ours to replace".
            Assert.Throws<OciException>(() => OutputOwnership.CheckLayoutDirectory(work, "ContainerLayoutOutputPath", work));
        }

        [Test]
        public void Only_a_layout_folder_in_our_work_folder_is_ours_not_the_records_beside_it()
        {
            var image = TestImages.Build(_store, _temp);
            var work = _temp.Combine("obj", "container");
            _temp.Write("obj/container/linux-x64/image.json", "{}");
            _temp.Write("obj/container/linux-x64/base.lock", "x");
            Refused(ErrorCodes.OutputPathNotOurs, () => OciLayoutWriter.Write(Path.Combine(work, "linux-x64"), LayoutContent.For(image, Name), _store, work));
            Assert.That(File.Exists(_temp.Combine("obj", "container", "linux-x64", "base.lock")));
        }

        [Test]
        public void Links_devices_and_fifos_are_never_replaced_by_an_output()
        {
            var image = TestImages.Build(_store, _temp);
            if (File.Exists("/dev/null"))
            {
                var e = Refused(ErrorCodes.OutputPathNotOurs, () => ImageOutputs.Write(image, Name, null, null, "/dev/null", _store));
                Assert.That(e.Message, Does.Contain("character device"));
                Refused(ErrorCodes.OutputPathNotOurs, () => OutputOwnership.CheckArchiveFile("/dev/null", "ContainerArchiveOutputPath"));
            }
            var real = _temp.Combine("real-layout");
            OciLayoutWriter.Write(real, LayoutContent.For(image, Name), _store);
            var link = _temp.Combine("link-layout");
            File.CreateSymbolicLink(link, real);
            Refused(ErrorCodes.OutputPathNotOurs, () => OciLayoutWriter.Write(link, LayoutContent.For(image, Name), _store));
            Assert.That(File.Exists(Path.Combine(real, "index.json")), "the linked layout is untouched");

            var summary = _temp.Write("summary.json", "");
            var summaryLink = _temp.Combine("summary-link.json");
            File.CreateSymbolicLink(summaryLink, summary);
            Refused(ErrorCodes.OutputPathNotOurs, () => OutputOwnership.CheckSummaryFile(summaryLink, "ContainerSummaryOutputPath"));
        }

        [Test]
        public void The_base_archive_under_another_spelling_is_still_an_input()
        {
            var bases = _temp.Combine("bases");
            _temp.Write("bases/base.tar", "");
            var alias = _temp.Combine("alias");
            Directory.CreateSymbolicLink(alias, bases);
            var check = new OutputPathCheck().BaseImage(Path.Combine(bases, "base.tar"), isFolder: false).Archive(Path.Combine(alias, "base.tar"));
            Refused(ErrorCodes.OutputOverlapsInput, check.Run);
            var layoutCheck = new OutputPathCheck().BaseImage(Path.Combine(alias, "base.tar"), isFolder: false).Layout(bases);
            Refused(ErrorCodes.OutputOverlapsInput, layoutCheck.Run);
        }

        [Test]
        public void Layout_path_that_is_a_file_is_OCI1024()
        {
            var file = _temp.Write("a-file", "x");
            var e = Refused(ErrorCodes.OutputPathNotOurs, () => OutputOwnership.CheckLayoutDirectory(file, "ContainerLayoutOutputPath", null));
            Assert.That(e.Message, Does.Contain("is a file"));
        }

        [Test]
        public void Archive_over_a_file_that_is_not_an_image_archive_is_OCI1024()
        {
            var image = TestImages.Build(_store, _temp);
            var source = _temp.Write("Program.cs", "class Program {}");
            var e = Refused(ErrorCodes.OutputPathNotOurs, () => ImageArchiveWriter.Write(source, LayoutContent.For(image, Name), image, Name, _store));
            Assert.That(e.Message, Does.Contain("ContainerArchiveOutputPath").And.Contain("not an image archive"));
            Assert.That(File.ReadAllText(source), Is.EqualTo("class Program {}"));

            // Any other tar (a backup) is not ours either.
            var backup = _temp.Combine("backup.tar");
            using (var tar = File.Create(backup))
            using (var writer = new System.Formats.Tar.TarWriter(tar))
                writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "home/user/notes.txt"));
            Refused(ErrorCodes.OutputPathNotOurs, () => ImageArchiveWriter.Write(backup, LayoutContent.For(image, Name), image, Name, _store));
        }

        [Test]
        public void Archive_over_an_image_archive_or_an_empty_file_is_replaced()
        {
            var image = TestImages.Build(_store, _temp);
            var empty = _temp.Write("empty.tar", "");
            ImageArchiveWriter.Write(empty, LayoutContent.For(image, Name), image, Name, _store);
            Assert.That(new FileInfo(empty).Length, Is.GreaterThan(0));

            // A docker-save style archive (pax header first, then manifest.json) is an image archive.
            var saved = _temp.Combine("saved.tar");
            using (var tar = File.Create(saved))
            using (var writer = new System.Formats.Tar.TarWriter(tar, System.Formats.Tar.TarEntryFormat.Pax))
            {
                var entry = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "manifest.json",
                    new System.Collections.Generic.Dictionary<string, string> { ["mtime"] = "1.5" });
                entry.DataStream = new MemoryStream(new byte[] { (byte)'[', (byte)']' });
                writer.WriteEntry(entry);
            }
            ImageArchiveWriter.Write(saved, LayoutContent.For(image, Name), image, Name, _store);
        }

        [Test]
        public void Archive_path_that_is_a_folder_is_OCI1024()
        {
            var dir = _temp.Combine("folder");
            Directory.CreateDirectory(dir);
            Refused(ErrorCodes.OutputPathNotOurs, () => OutputOwnership.CheckArchiveFile(dir, "ContainerArchiveOutputPath"));
        }

        [Test]
        public void Summary_over_a_folder_or_a_foreign_file_is_OCI1024_and_nothing_is_left_behind()
        {
            var image = TestImages.Build(_store, _temp);
            var dir = _temp.Combine("summary-dir");
            Directory.CreateDirectory(dir);
            var e = Refused(ErrorCodes.OutputPathNotOurs, () => ImageOutputs.Write(image, Name, null, null, dir, _store));
            Assert.That(e.Message, Does.Contain("ContainerSummaryOutputPath").And.Contain("is a folder"));
            Assert.That(Leftovers(), Is.Empty, "no <path>.tmp left");

            var json = _temp.Write("package.json", "{\"name\":\"x\"}");
            Refused(ErrorCodes.OutputPathNotOurs, () => ImageOutputs.Write(image, Name, null, null, json, _store));
            Assert.That(File.ReadAllText(json), Is.EqualTo("{\"name\":\"x\"}"));
        }

        [Test]
        public void Summary_is_replaced_when_we_wrote_it()
        {
            var image = TestImages.Build(_store, _temp);
            var path = _temp.Combine("out", "image.json");
            ImageOutputs.Write(image, Name, null, null, path, _store);
            ImageOutputs.Write(image, Name, null, null, path, _store);
            Assert.That(File.ReadAllText(path), Does.Contain(image.Manifest.Digest));
            Assert.That(Directory.GetFiles(_temp.Combine("out")).Select(Path.GetFileName), Is.EqualTo(new[] { "image.json" }));
        }

        [Test]
        public void Summary_that_cannot_be_written_is_OCI3003_naming_the_property()
        {
            var image = TestImages.Build(_store, _temp);
            var blocker = _temp.Write("blocker", "x");
            var e = Refused(ErrorCodes.WriteFailed, () => ImageOutputs.Write(image, Name, null, null, Path.Combine(blocker, "image.json"), _store));
            Assert.That(e.Message, Does.Contain("ContainerSummaryOutputPath"));
            if (Directory.Exists("/proc/self"))
                Refused(ErrorCodes.WriteFailed, () => ImageOutputs.Write(image, Name, null, null, "/proc/ocimsbuild-summary.json", _store));
        }

        [TestCase("layout-is-base")]
        [TestCase("layout-contains-base")]
        [TestCase("layout-inside-base")]
        [TestCase("layout-is-project")]
        [TestCase("layout-contains-project")]
        [TestCase("layout-is-publish")]
        [TestCase("layout-inside-publish")]
        [TestCase("layout-contains-blob-store")]
        [TestCase("layout-is-work-folder")]
        [TestCase("archive-is-base-archive")]
        [TestCase("archive-inside-publish")]
        [TestCase("archive-inside-base-layout")]
        [TestCase("summary-is-base-archive")]
        [TestCase("summary-inside-publish")]
        [TestCase("summary-inside-layout")]
        [TestCase("summary-inside-blob-store")]
        public void Outputs_never_land_on_inputs(string scenario)
        {
            var project = _temp.Combine("proj");
            var publish = _temp.Combine("proj", "bin", "publish");
            var work = _temp.Combine("proj", "obj", "container");
            var baseLayout = _temp.Combine("bases", "layout");
            var baseArchive = _temp.Combine("bases", "base.tar");
            var blobs = _temp.Combine("cache");
            var check = new OutputPathCheck().ProjectDirectory(project).PublishDirectory(publish).WorkDirectory(work).BlobStore(blobs);
            bool archiveBase = scenario.Contains("base-archive");
            check.BaseImage(archiveBase ? baseArchive : baseLayout, isFolder: !archiveBase);
            switch (scenario)
            {
                case "layout-is-base": check.Layout(baseLayout); break;
                case "layout-contains-base": check.Layout(_temp.Combine("bases")); break;
                case "layout-inside-base": check.Layout(Path.Combine(baseLayout, "out")); break;
                case "layout-is-project": check.Layout(project + "/"); break;
                case "layout-contains-project": check.Layout(_temp.Path); break;
                case "layout-is-publish": check.Layout(publish); break;
                case "layout-inside-publish": check.Layout(Path.Combine(publish, "image")); break;
                case "layout-contains-blob-store": check.Layout(_temp.Path); break;
                case "layout-is-work-folder": check.Layout(work); break;
                case "archive-is-base-archive": check.Archive(baseArchive); break;
                case "archive-inside-publish": check.Archive(Path.Combine(publish, "app.tar")); break;
                case "archive-inside-base-layout": check.Archive(Path.Combine(baseLayout, "app.tar")); break;
                case "summary-is-base-archive": check.Summary(baseArchive); break;
                case "summary-inside-publish": check.Summary(Path.Combine(publish, "image.json")); break;
                case "summary-inside-layout": check.Layout(_temp.Combine("out", "layout")).Summary(_temp.Combine("out", "layout", "image.json")); break;
                case "summary-inside-blob-store": check.Summary(Path.Combine(blobs, "image.json")); break;
            }
            var e = Refused(ErrorCodes.OutputOverlapsInput, check.Run);
            Assert.That(e.Message, Does.Match("Container(Layout|Archive|Summary)OutputPath '"));
        }

        [Test]
        public void Blob_store_inside_the_publish_folder_is_OCI1025()
        {
            var publish = _temp.Combine("publish");
            var e = Refused(ErrorCodes.OutputOverlapsInput, new OutputPathCheck().PublishDirectory(publish).BlobStore(Path.Combine(publish, "cache")).Run);
            Assert.That(e.Message, Does.Contain("ContainerBlobCachePath"));
        }

        [Test]
        public void Outputs_in_the_usual_places_pass()
        {
            var project = _temp.Combine("proj");
            var work = _temp.Combine("proj", "obj", "container");
            new OutputPathCheck()
                .ProjectDirectory(project).PublishDirectory(_temp.Combine("proj", "bin", "publish")).WorkDirectory(work).BlobStore(_temp.Combine("cache"))
                .BaseImage(_temp.Combine("bases", "layout"), isFolder: true)
                .Layout(Path.Combine(work, "image")).Archive(_temp.Combine("proj", "artifacts", "app.tar")).Summary(Path.Combine(work, "image.json"))
                .Run();
        }

        [Test]
        public void Archive_inside_the_layout_stays_OCI1018()
        {
            var check = new OutputPathCheck().Layout(_temp.Combine("layout")).Archive(_temp.Combine("layout", "app.tar"));
            Refused(ErrorCodes.InvalidArchivePath, check.Run);
        }

        [Test]
        public void Path_comparison_is_by_whole_segments()
        {
            Assert.That(PathComparison.IsSameOrInside("/a/bc", "/a/b"), Is.False);
            Assert.That(PathComparison.IsSameOrInside("/a/b/c", "/a/b/"), Is.True);
            Assert.That(PathComparison.IsSameOrInside("/a/b", "/a/b"), Is.True);
            Assert.That(PathComparison.IsSameOrInside("/a/b/../c", "/a/b"), Is.False);
            Assert.That(PathComparison.IsSameOrInside("/x", "/"), Is.True);
        }

        [Test]
        public void Unanticipated_file_system_failures_are_described_with_their_path()
        {
            var io = new IOException("No space left on device : '/cache/blobs/sha256/abc'");
            Assert.That(FileSystemFailure.Of(io), Is.SameAs(io));
            Assert.That(FileSystemFailure.Of(new AggregateException(new UnauthorizedAccessException("Access to the path '/x' is denied."))), Is.InstanceOf<UnauthorizedAccessException>());
            Assert.That(FileSystemFailure.Of(new InvalidOperationException("bug")), Is.Null, "bugs keep their stack trace");
            var error = FileSystemFailure.ToError("PackOciLayers", io);
            Assert.That(error.Code, Is.EqualTo(ErrorCodes.FileSystemError));
            var text = error.Message;
            Assert.That(text, Does.StartWith("PackOciLayers could not read or write a file: No space left on device : '/cache/blobs/sha256/abc'."));
            Assert.That(text, Does.Contain("disk has space"));
        }
    }
}
