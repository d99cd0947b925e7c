using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class OutputTests : StoreFixture
    {
        private static readonly ImageName Name = new ImageName("localhost:5000/", "team/app", new[] { "1.0", "latest" });

        private static string[] AllBlobs(BuiltImage image) =>
            new[] { image.Manifest.Digest, image.Config.Digest }.Concat(image.Layers.Select(l => l.Digest)).Distinct().OrderBy(d => d, StringComparer.Ordinal).ToArray();


        private string[] Leftovers(string directory) =>
            Directory.GetFileSystemEntries(directory).Select(Path.GetFileName).Where(n => n!.Contains(".tmp") || n.Contains(".old-")).Select(n => n!).ToArray();

        [Test]
        public void ImageName_forms()
        {
            Assert.That(Name.Registry, Is.EqualTo("localhost:5000"));
            Assert.That(Name.FullName, Is.EqualTo("localhost:5000/team/app"));
            Assert.That(Name.CanonicalName, Is.EqualTo("localhost:5000/team/app"));
            Assert.That(Name.RepoTags, Is.EqualTo(new[] { "localhost:5000/team/app:1.0", "localhost:5000/team/app:latest" }));
            var bare = new ImageName(" ", "app", new[] { "x" });
            Assert.That(bare.Registry, Is.Null);
            Assert.That(bare.FullName, Is.EqualTo("app"));
            Assert.That(bare.CanonicalName, Is.EqualTo("docker.io/library/app"));
            Assert.That(new ImageName(null, "team/app", new[] { "x" }).CanonicalName, Is.EqualTo("docker.io/team/app"));
        }

        [Test]
        public void Layout_content_lists_each_tag_and_every_blob()
        {
            var image = TestImages.Build(_store, _temp);
            var content = LayoutContent.For(image, Name);
            Assert.That(content.BlobDigests, Is.EqualTo(AllBlobs(image)));
            var index = OciJson.Parse<ImageIndex>(content.IndexJson);
            Assert.That(index.MediaType, Is.EqualTo(MediaTypes.OciIndex));
            Assert.That(index.Manifests.Select(m => m.Digest), Is.All.EqualTo(image.Manifest.Digest));
            Assert.That(index.Manifests.Select(m => m.Annotations![AnnotationKeys.RefName]), Is.EqualTo(new[] { "1.0", "latest" }));
            Assert.That(index.Manifests.Select(m => m.Annotations![LayoutContent.ContainerdNameAnnotation]),
                Is.EqualTo(new[] { "localhost:5000/team/app:1.0", "localhost:5000/team/app:latest" }));
            Assert.That(index.Manifests.Select(m => m.Platform!.ToString()), Is.All.EqualTo("linux/amd64"));
            Assert.That(image.Manifest.Annotations, Is.Null, "the built descriptor is not changed by the index entries");
        }

        [Test]
        public void Archive_holds_a_layout_and_docker_manifest_json()
        {
            var image = TestImages.Build(_store, _temp);
            var path = _temp.Combine("out", "image.tar");
            ImageArchiveWriter.Write(path, LayoutContent.For(image, Name), image, Name, _store);

            var files = TarFiles.Read(path);
            var blobNames = AllBlobs(image).Select(LayoutContent.BlobPath).ToArray();
            Assert.That(files.Keys, Is.EquivalentTo(new[] { "blobs/", "blobs/sha256/", "index.json", "manifest.json", "oci-layout" }.Concat(blobNames)));
            foreach (var blob in blobNames)
                Assert.That(Digest.Of(files[blob]), Is.EqualTo("sha256:" + blob.Substring("blobs/sha256/".Length)), blob);

            Assert.That(Encoding.UTF8.GetString(files["oci-layout"]), Is.EqualTo("{\"imageLayoutVersion\":\"1.0.0\"}"));
            OciSchemas.AssertValid(OciSchemas.Layout, files["oci-layout"]);
            OciSchemas.AssertValid(OciSchemas.Index, files["index.json"]);
            Assert.That(files["index.json"], Is.EqualTo(LayoutContent.For(image, Name).IndexJson));

            var manifestJson = JArray.Parse(Encoding.UTF8.GetString(files["manifest.json"]));
            Assert.That(manifestJson, Has.Count.EqualTo(1));
            var entry = manifestJson[0];
            Assert.That((string?)entry["Config"], Is.EqualTo("blobs/sha256/" + Digest.Hex(image.Config.Digest)));
            Assert.That(entry["RepoTags"]!.Select(t => (string?)t), Is.EqualTo(new[] { "localhost:5000/team/app:1.0", "localhost:5000/team/app:latest" }));
            Assert.That(entry["Layers"]!.Select(t => (string?)t), Is.EqualTo(image.Layers.Select(l => "blobs/sha256/" + Digest.Hex(l.Digest))));
            foreach (var p in entry["Layers"]!.Select(t => (string)t!).Append((string)entry["Config"]!))
                Assert.That(files.ContainsKey(p), Is.True, p);

            Assert.That(Leftovers(Path.GetDirectoryName(path)!), Is.Empty);
        }

        [Test]
        public void Archive_is_reproducible_and_replaces_an_old_one()
        {
            var image = TestImages.Build(_store, _temp);
            var path = _temp.Combine("image.tar");
            var older = TestImages.Build(_store, _temp, content: "older");
            ImageArchiveWriter.Write(path, LayoutContent.For(older, Name), older, Name, _store);
            ImageArchiveWriter.Write(path, LayoutContent.For(image, Name), image, Name, _store);
            var first = File.ReadAllBytes(path);
            ImageArchiveWriter.Write(path, LayoutContent.For(image, Name), image, Name, _store);
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(first));
            Assert.That(Leftovers(_temp.Path), Is.Empty);
        }

        [Test]
        public void Failed_archive_write_leaves_nothing_and_keeps_the_old_archive()
        {
            var image = TestImages.Build(_store, _temp);
            File.Delete(_store.PathOf(image.Layers[0].Digest));
            var dir = _temp.Combine("out");
            Directory.CreateDirectory(dir);

            var fresh = Path.Combine(dir, "fresh.tar");
            var e = Assert.Throws<OciException>(() => ImageArchiveWriter.Write(fresh, LayoutContent.For(image, Name), image, Name, _store))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
            Assert.That(File.Exists(fresh), Is.False);

            var existing = Path.Combine(dir, "existing.tar");
            File.WriteAllText(existing, "previous build");
            Assert.Throws<OciException>(() => ImageArchiveWriter.Write(existing, LayoutContent.For(image, Name), image, Name, _store));
            Assert.That(File.ReadAllText(existing), Is.EqualTo("previous build"));
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EqualTo(new[] { "existing.tar" }));
        }

        [Test]
        public void Archive_into_an_unwritable_place_is_OCI3003()
        {
            var image = TestImages.Build(_store, _temp);
            var blocker = _temp.Write("file-not-dir", "x");
            var e = Assert.Throws<OciException>(() => ImageArchiveWriter.Write(Path.Combine(blocker, "image.tar"), LayoutContent.For(image, Name), image, Name, _store))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.WriteFailed));
            Assert.That(e.Message, Does.Contain("ContainerArchiveOutputPath"));

            var layout = Assert.Throws<OciException>(() => OciLayoutWriter.Write(Path.Combine(blocker, "layout"), LayoutContent.For(image, Name), _store))!;
            Assert.That(layout.Code, Is.EqualTo(ErrorCodes.WriteFailed));
            Assert.That(File.ReadAllText(blocker), Is.EqualTo("x"));
        }

        [Test]
        public void Archive_inside_the_layout_or_on_the_summary_is_OCI1018()
        {
            var image = TestImages.Build(_store, _temp);
            var layout = _temp.Combine("layout");
            var summary = _temp.Combine("image.json");
            var inside = Assert.Throws<OciException>(() => ImageOutputs.Write(image, Name, layout, Path.Combine(layout, "image.tar"), summary, _store))!;
            Assert.That(inside.Code, Is.EqualTo("OCI1018"));
            Assert.That(inside.Message, Does.Contain("ContainerArchiveOutputPath"));
            var onSummary = Assert.Throws<OciException>(() => ImageOutputs.Write(image, Name, layout, summary, summary, _store))!;
            Assert.That(onSummary.Code, Is.EqualTo("OCI1018"));
            Assert.That(Directory.Exists(layout), Is.False, "checked before anything is written");
        }

        [Test]
        public void Layout_directory_is_written_and_valid()
        {
            var image = TestImages.Build(_store, _temp);
            var dir = _temp.Combine("layout");
            OciLayoutWriter.Write(dir, LayoutContent.For(image, Name), _store);

            Assert.That(Directory.GetFiles(Path.Combine(dir, "blobs", "sha256")).Select(Path.GetFileName),
                Is.EquivalentTo(AllBlobs(image).Select(Digest.Hex)));
            foreach (var digest in AllBlobs(image))
                Assert.That(Digest.OfFile(Path.Combine(dir, LayoutContent.BlobPath(digest))), Is.EqualTo(digest));
            OciSchemas.AssertValid(OciSchemas.Layout, File.ReadAllBytes(Path.Combine(dir, "oci-layout")));
            OciSchemas.AssertValid(OciSchemas.Index, File.ReadAllBytes(Path.Combine(dir, "index.json")));
            Assert.That(Directory.GetFileSystemEntries(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "blobs", "index.json", "oci-layout", OutputOwnership.LayoutMarkerFileName }));
            Assert.That(File.ReadAllText(Path.Combine(dir, OutputOwnership.LayoutMarkerFileName)), Does.Contain("OciMsBuild"));
        }

        [Test]
        public void Layout_replaces_an_existing_one_whole()
        {
            var dir = _temp.Combine("out", "layout");
            var first = TestImages.Build(_store, _temp, content: "first");
            OciLayoutWriter.Write(dir, LayoutContent.For(first, Name), _store);
            File.WriteAllText(Path.Combine(dir, "stray.txt"), "from an older build");

            var second = TestImages.Build(_store, _temp, content: "second");
            OciLayoutWriter.Write(dir + Path.DirectorySeparatorChar, LayoutContent.For(second, Name), _store);

            Assert.That(File.ReadAllBytes(Path.Combine(dir, "index.json")), Is.EqualTo(LayoutContent.For(second, Name).IndexJson));
            Assert.That(File.Exists(Path.Combine(dir, "stray.txt")), Is.False);
            Assert.That(Directory.GetFiles(Path.Combine(dir, "blobs", "sha256")).Select(Path.GetFileName),
                Is.EquivalentTo(AllBlobs(second).Select(Digest.Hex)), "no blob of the first image lingers");
            Assert.That(Leftovers(_temp.Combine("out")), Is.Empty, "no *.tmp-* or *.old-* directories");
            Assert.That(Directory.GetDirectories(_temp.Combine("out")).Select(Path.GetFileName), Is.EqualTo(new[] { "layout" }));
        }

        [Test]
        public void Failed_layout_write_leaves_nothing_and_keeps_the_old_layout()
        {
            var good = TestImages.Build(_store, _temp, content: "good");
            var broken = TestImages.Build(_store, _temp, content: "broken");
            File.Delete(_store.PathOf(broken.Layers[0].Digest));
            var parent = _temp.Combine("out");

            var fresh = Path.Combine(parent, "fresh");
            var e = Assert.Throws<OciException>(() => OciLayoutWriter.Write(fresh, LayoutContent.For(broken, Name), _store))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
            Assert.That(Directory.Exists(fresh), Is.False);

            var existing = Path.Combine(parent, "existing");
            OciLayoutWriter.Write(existing, LayoutContent.For(good, Name), _store);
            Assert.Throws<OciException>(() => OciLayoutWriter.Write(existing, LayoutContent.For(broken, Name), _store));
            Assert.That(File.ReadAllBytes(Path.Combine(existing, "index.json")), Is.EqualTo(LayoutContent.For(good, Name).IndexJson));
            Assert.That(Directory.GetFileSystemEntries(parent).Select(Path.GetFileName), Is.EqualTo(new[] { "existing" }));
        }

        [Test]
        public void Outputs_and_summary()
        {
            var image = TestImages.Build(_store, _temp);
            var layout = _temp.Combine("o", "layout");
            var archive = _temp.Combine("o", "image.tar");
            var summaryPath = _temp.Combine("o", "summary.json");
            var summary = ImageOutputs.Write(image, Name, layout, archive, summaryPath, _store);

            Assert.That(Directory.Exists(layout) && File.Exists(archive), Is.True);
            var json = JObject.Parse(File.ReadAllText(summaryPath));
            Assert.That((string?)json["image"], Is.EqualTo("localhost:5000/team/app"));
            Assert.That((string?)json["digest"], Is.EqualTo(image.Manifest.Digest));
            Assert.That((string?)json["platform"], Is.EqualTo("linux/amd64"));
            Assert.That(json["tags"]!.Select(t => (string?)t), Is.EqualTo(new[] { "1.0", "latest" }));
            Assert.That(json["layers"]!.Select(l => (string?)l["kind"]), Is.EqualTo(new[] { "app" }));
            Assert.That((string?)json["outputs"]!["layout"], Is.EqualTo(layout));
            Assert.That((string?)json["outputs"]!["archive"], Is.EqualTo(archive));
            Assert.That(summary.ConfigDigest, Is.EqualTo(image.Config.Digest));

            var none = ImageOutputs.Write(image, Name, null, "", _temp.Combine("o2", "summary.json"), _store);
            Assert.That(none.Outputs.Layout, Is.Null);
            Assert.That(none.Outputs.Archive, Is.Null);
        }

        [Test]
        public void AtomicFile_writes_only_changes()
        {
            var path = _temp.Combine("state", "x.json");
            Assert.That(AtomicFile.WriteIfChanged(path, "a"), Is.True);
            File.SetLastWriteTimeUtc(path, new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            Assert.That(AtomicFile.WriteIfChanged(path, "a"), Is.False);
            Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
            Assert.That(AtomicFile.WriteIfChanged(path, "b"), Is.True);
            Assert.That(File.ReadAllText(path), Is.EqualTo("b"));
            Assert.That(Directory.GetFiles(_temp.Combine("state")).Select(Path.GetFileName), Is.EqualTo(new[] { "x.json" }));
        }

        [Test]
        public void AtomicFile_writers_racing_to_create_the_same_file_all_succeed()
        {
            // Two platforms of one image recording the same base tag at once: each saw no file, then
            // the other created it before the rename (once "already exists", which failed a build).
            var dir = _temp.Combine("race");
            for (int round = 0; round < 50; round++)
            {
                var path = Path.Combine(dir, "tag-" + round + ".json");
                using var start = new System.Threading.Barrier(4);
                var writers = Enumerable.Range(0, 4).Select(i => System.Threading.Tasks.Task.Run(() =>
                {
                    start.SignalAndWait();
                    AtomicFile.WriteAllText(path, "writer " + i);
                })).ToArray();
                System.Threading.Tasks.Task.WaitAll(writers);
                Assert.That(File.ReadAllText(path), Does.StartWith("writer "));
            }
            Assert.That(Directory.GetFiles(dir).Where(f => f.Contains(".tmp-")), Is.Empty, "no temp file left");
        }
    }
}
