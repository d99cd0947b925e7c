using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class BaseImageLocationTests
    {
        private static readonly string Project = Path.Combine(Path.GetTempPath(), "proj", "App");
        private static readonly string Hex = new string('a', 64);

        [TestCase("scratch")]
        [TestCase("SCRATCH")]
        [TestCase(" Scratch ")]
        public void Scratch(string text)
        {
            var l = BaseImageLocation.Parse(text, Project);
            Assert.That(l.Transport, Is.EqualTo(BaseTransport.Scratch));
            Assert.That(l.Text, Is.EqualTo("scratch"));
            Assert.That(l.Path, Is.Null);
        }

        [Test]
        public void Layout_with_tag_relative_to_the_project()
        {
            var l = BaseImageLocation.Parse("oci-layout://../images/base:1.0", Project);
            Assert.That(l.Transport, Is.EqualTo(BaseTransport.OciLayout));
            Assert.That(l.Path, Is.EqualTo(Path.GetFullPath(Path.Combine(Project, "..", "images", "base"))));
            Assert.That(l.Tag, Is.EqualTo("1.0"));
            Assert.That(l.Digest, Is.Null);
            Assert.That(l.Text, Is.EqualTo("oci-layout://../images/base:1.0"));
        }

        [Test]
        public void Layout_absolute_path_without_selector()
        {
            var dir = Path.Combine(Path.GetTempPath(), "images", "base.v2");
            var l = BaseImageLocation.Parse("oci-layout://" + dir, Project);
            Assert.That(l.Path, Is.EqualTo(dir));
            Assert.That(l.Tag, Is.Null);
        }

        [Test]
        public void Layout_with_digest()
        {
            var l = BaseImageLocation.Parse("OCI-Layout://base@sha256:" + Hex, Project);
            Assert.That(l.Transport, Is.EqualTo(BaseTransport.OciLayout));
            Assert.That(l.Digest, Is.EqualTo("sha256:" + Hex));
            Assert.That(l.Tag, Is.Null);
            Assert.That(l.Path, Is.EqualTo(Path.Combine(Project, "base")));
        }

        [Test]
        public void Archives()
        {
            var oci = BaseImageLocation.Parse("oci-archive://out/base.tar:latest", Project);
            Assert.That(oci.Transport, Is.EqualTo(BaseTransport.OciArchive));
            Assert.That(oci.Path, Is.EqualTo(Path.Combine(Project, "out", "base.tar")));
            Assert.That(oci.Tag, Is.EqualTo("latest"));

            var docker = BaseImageLocation.Parse("docker-archive://base.tar:runtime:1", Project);
            Assert.That(docker.Transport, Is.EqualTo(BaseTransport.DockerArchive));
            Assert.That(docker.Path, Is.EqualTo(Path.Combine(Project, "base.tar")));
            Assert.That(docker.Tag, Is.EqualTo("runtime:1"));
        }

        [Test]
        public void A_colon_before_the_last_separator_stays_in_the_path()
        {
            var l = BaseImageLocation.Parse(@"oci-layout://C:\images\base:tag", Project);
            Assert.That(l.Tag, Is.EqualTo("tag"));
            Assert.That(l.Path, Does.EndWith(@"C:\images\base"));
            Assert.That(BaseImageLocation.Parse("oci-layout://C:/images/base", Project).Tag, Is.Null);
        }

        [Test]
        public void Registry_reference()
        {
            var l = BaseImageLocation.Parse("mcr.microsoft.com/dotnet/runtime:10.0", Project);
            Assert.That(l.Transport, Is.EqualTo(BaseTransport.Registry));
            Assert.That(l.Reference!.Repository, Is.EqualTo("dotnet/runtime"));
            Assert.That(l.Path, Is.Null);
            Assert.That(Assert.Throws<OciException>(() => BaseImageLocation.Parse("Not A Ref", Project))!.Code, Is.EqualTo("OCI1001"));
        }

        [TestCase("http://example.com/base")]
        [TestCase("docker://node:20")]
        [TestCase("oci://dir")]
        public void Unknown_transport_is_OCI1003(string text)
        {
            var e = Assert.Throws<OciException>(() => BaseImageLocation.Parse(text, Project))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.UnknownBaseTransport));
            Assert.That(e.Message, Does.Contain("ContainerBaseImage '" + text + "'").And.Contain("oci-layout://"));
        }

        [TestCase("", "OCI1015")]
        [TestCase("  ", "OCI1015")]
        [TestCase("oci-layout://", "OCI1015")]
        [TestCase("oci-layout://dir:", "OCI1002")]
        public void Incomplete_locations(string text, string code)
        {
            var e = Assert.Throws<OciException>(() => BaseImageLocation.Parse(text, Project))!;
            Assert.That(e.Code, Is.EqualTo(code));
            Assert.That(e.Message, Does.Contain("ContainerBaseImage"));
        }
    }

    public class BaseImageReaderTests
    {
        private TempDir _temp = null!;
        private BlobStore _store = null!;
        private BlobStore _readStore = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _store = new BlobStore(_temp.Combine("build-store"));
            _readStore = new BlobStore(_temp.Combine("read-store"));
        }

        [TearDown] public void TearDown() => _temp.Dispose();

        private (BuiltImage Image, string Dir) Layout(params string[] tags)
        {
            var image = TestImages.Build(_store, _temp, content: "base content");
            var dir = _temp.Combine("layout");
            OciLayoutWriter.Write(dir, LayoutContent.For(image, new ImageName(null, "base", tags)), _store);
            return (image, dir);
        }

        private void AssertSameImage(BaseImage read, BuiltImage built, bool hasManifestDigest = true)
        {
            Assert.That(read.ManifestDigest, Is.EqualTo(hasManifestDigest ? built.Manifest.Digest : null));
            Assert.That(read.Layers.Select(l => l.Digest), Is.EqualTo(built.Layers.Select(l => l.Digest)), "layers are reused by digest, never re-compressed");
            Assert.That(read.Layers.Select(l => l.Size), Is.EqualTo(built.Layers.Select(l => l.Size)));
            foreach (var layer in read.Layers) Assert.DoesNotThrow(() => _readStore.Verify(layer.Digest), "imported into the store");
            Assert.That(OciJson.ToBytes(read.Config), Is.EqualTo(_store.ReadVerified(built.Config.Digest)), "config kept byte for byte");
        }

        [Test]
        public void Layout_by_tag()
        {
            var (image, dir) = Layout("1.0", "latest");
            var read = new LayoutImageReader(dir, "oci-layout://base:1.0", _readStore).Read("1.0", null, TestImages.LinuxAmd64);
            AssertSameImage(read, image);
            Assert.That(read.Name, Is.EqualTo("oci-layout://base:1.0"));
            Assert.That(_readStore.Contains(image.Config.Digest), Is.True);
        }

        [Test]
        public void A_layout_with_an_sbom_and_provenance_still_holds_one_image()
        {
            var image = TestImages.Build(_store, _temp, content: "base content");
            image.Referrers = new System.Collections.Generic.List<Core.SupplyChain.Referrer>
            {
                Core.SupplyChain.Referrer.Attach(_store, image.Manifest, "application/spdx+json", System.Text.Encoding.UTF8.GetBytes("{}"), TestImages.Epoch),
                Core.SupplyChain.Referrer.Attach(_store, image.Manifest, "application/vnd.in-toto+json", System.Text.Encoding.UTF8.GetBytes("{}"), TestImages.Epoch),
            };
            var dir = _temp.Combine("attested");
            OciLayoutWriter.Write(dir, LayoutContent.For(Core.Build.ImageSet.Single(image), new ImageName(null, "base", new[] { "only" }), withReferrers: true), _store);
            Assert.That(System.IO.File.ReadAllText(System.IO.Path.Combine(dir, "index.json")), Does.Contain("application/spdx+json"));
            AssertSameImage(new LayoutImageReader(dir, "x", _readStore).Read(null, null, TestImages.LinuxAmd64), image);
        }

        [Test]
        public void Layout_without_tag_picks_the_only_image_or_latest()
        {
            var (image, dir) = Layout("latest", "2.0");
            AssertSameImage(new LayoutImageReader(dir, "x", _readStore).Read(null, null, TestImages.LinuxAmd64), image);
            var single = _temp.Combine("single");
            OciLayoutWriter.Write(single, LayoutContent.For(image, new ImageName(null, "base", new[] { "only" })), _store);
            AssertSameImage(new LayoutImageReader(single, "x", _readStore).Read(null, null, TestImages.LinuxAmd64), image);
        }

        [Test]
        public void Layout_by_digest()
        {
            var (image, dir) = Layout("1.0");
            AssertSameImage(new LayoutImageReader(dir, "x", _readStore).Read(null, image.Manifest.Digest, TestImages.LinuxAmd64), image);
            var e = Assert.Throws<OciException>(() => new LayoutImageReader(dir, "x", _readStore).Read(null, "sha256:" + new string('0', 64), TestImages.LinuxAmd64))!;
            Assert.That(e.Code, Is.EqualTo("OCI1005"));
        }

        [Test]
        public void Missing_tag_is_OCI1005_and_lists_the_tags()
        {
            var (_, dir) = Layout("1.0", "2.0");
            var e = Assert.Throws<OciException>(() => new LayoutImageReader(dir, "oci-layout://base:3.0", _readStore).Read("3.0", null, TestImages.LinuxAmd64))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BaseTagNotFound));
            Assert.That(e.Message, Does.Contain("'3.0'").And.Contain("Tags there: 1.0, 2.0"));
        }

        [Test]
        public void Several_images_without_tag_or_latest_is_OCI1005()
        {
            var (_, dir) = Layout("1.0", "2.0");
            var e = Assert.Throws<OciException>(() => new LayoutImageReader(dir, "x", _readStore).Read(null, null, TestImages.LinuxAmd64))!;
            Assert.That(e.Code, Is.EqualTo("OCI1005"));
            Assert.That(e.Message, Does.Contain("1.0, 2.0"));
        }

        [Test]
        public void Wrong_platform_is_OCI1006()
        {
            var (_, dir) = Layout("1.0");
            var e = Assert.Throws<OciException>(() => new LayoutImageReader(dir, "oci-layout://base:1.0", _readStore).Read("1.0", null, TestImages.LinuxArm64))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BasePlatformMissing));
            Assert.That(e.Message, Does.Contain("linux/amd64").And.Contain("linux/arm64/v8"));
        }

        [Test]
        public void Multi_platform_index_selects_the_platform()
        {
            var amd = TestImages.Build(_store, _temp, TestImages.LinuxAmd64, content: "amd64");
            var arm = TestImages.Build(_store, _temp, TestImages.LinuxArm64, content: "arm64");
            var nested = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = { amd.Manifest, arm.Manifest } };
            var nestedDescriptor = _store.Put(OciJson.ToBytes(nested), MediaTypes.OciIndex);
            nestedDescriptor.Annotations = new SortedDictionary<string, string> { [AnnotationKeys.RefName] = "multi" };

            var dir = _temp.Combine("multi-layout");
            var blobs = Path.Combine(dir, "blobs", "sha256");
            Directory.CreateDirectory(blobs);
            foreach (var d in new[] { nestedDescriptor.Digest, amd.Manifest.Digest, amd.Config.Digest, arm.Manifest.Digest, arm.Config.Digest }
                         .Concat(amd.Layers.Select(l => l.Digest)).Concat(arm.Layers.Select(l => l.Digest)).Distinct())
                File.Copy(_store.PathOf(d), Path.Combine(blobs, Digest.Hex(d)));
            File.WriteAllText(Path.Combine(dir, "oci-layout"), LayoutContent.OciLayoutFile);
            File.WriteAllBytes(Path.Combine(dir, "index.json"), OciJson.ToBytes(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = { nestedDescriptor } }));

            var reader = new LayoutImageReader(dir, "multi", _readStore);
            AssertSameImage(reader.Read("multi", null, new Platform("linux", "arm64")), arm);
            AssertSameImage(reader.Read("multi", null, TestImages.LinuxAmd64), amd);

            var e = Assert.Throws<OciException>(() => reader.Read("multi", null, new Platform("linux", "s390x")))!;
            Assert.That(e.Code, Is.EqualTo("OCI1006"));
            Assert.That(e.Message, Does.Contain("It has: linux/amd64, linux/arm64/v8"));
        }

        [Test]
        public void Not_a_layout_is_OCI1004()
        {
            Directory.CreateDirectory(_temp.Combine("empty"));
            var e = Assert.Throws<OciException>(() => new LayoutImageReader(_temp.Combine("empty"), "x", _readStore).Read(null, null, TestImages.LinuxAmd64))!;
            Assert.That(e.Code, Is.EqualTo("OCI1004"));

            var location = BaseImageLocation.Parse("oci-layout://nowhere", _temp.Path);
            Assert.That(Assert.Throws<OciException>(() => BaseImageResolver.Resolve(location, TestImages.LinuxAmd64, _readStore, _temp.Path))!.Code, Is.EqualTo("OCI1004"));
        }

        [Test]
        public void Damaged_layout_blob_is_OCI3004()
        {
            var (image, dir) = Layout("1.0");
            File.WriteAllText(Path.Combine(dir, LayoutContent.BlobPath(image.Config.Digest)), "{}");
            var e = Assert.Throws<OciException>(() => new LayoutImageReader(dir, "x", _readStore).Read("1.0", null, TestImages.LinuxAmd64))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidBaseContent));

            var image2 = image;
            var dir2 = _temp.Combine("layout2");
            OciLayoutWriter.Write(dir2, LayoutContent.For(image2, new ImageName(null, "base", new[] { "1.0" })), _store);
            File.WriteAllBytes(Path.Combine(dir2, LayoutContent.BlobPath(image2.Layers[0].Digest)), new byte[] { 0x1f, 0x8b, 8, 0, 1, 2, 3 });
            Assert.That(Assert.Throws<OciException>(() => new LayoutImageReader(dir2, "x", _readStore).Read("1.0", null, TestImages.LinuxAmd64))!.Code,
                Is.EqualTo("OCI3004"));
            Assert.That(_readStore.Contains(image2.Layers[0].Digest), Is.False, "a damaged base layer is not stored");
        }

        [Test]
        public void Scratch_and_registry()
        {
            var scratch = BaseImageResolver.Resolve(BaseImageLocation.Parse("scratch", _temp.Path), TestImages.LinuxArm64, _readStore, _temp.Path);
            Assert.That(scratch.Layers, Is.Empty);
            Assert.That(scratch.ManifestDigest, Is.Null);
            Assert.That((string?)scratch.Config["architecture"], Is.EqualTo("arm64"));
            Assert.That((string?)scratch.Config["variant"], Is.EqualTo("v8"));

            var e = Assert.Throws<OciException>(() => BaseImageResolver.Resolve(BaseImageLocation.Parse("mcr.microsoft.com/dotnet/runtime:10.0", _temp.Path), TestImages.LinuxAmd64, _readStore, _temp.Path))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnreachable));
        }

        private (BuiltImage Image, string Archive) Archive(string repository, params string[] tags)
        {
            var image = TestImages.Build(_store, _temp, content: "archived base");
            var archive = _temp.Combine("base.tar");
            var name = new ImageName(null, repository, tags);
            ImageArchiveWriter.Write(archive, LayoutContent.For(image, name), image, name, _store);
            return (image, archive);
        }

        private string ExtractRoot()
        {
            var root = _temp.Combine("extract-root");
            Directory.CreateDirectory(root);
            return root;
        }

        [Test]
        public void Oci_archive_is_read_through_its_layout()
        {
            var (image, archive) = Archive("base", "1.0");
            var root = ExtractRoot();
            var read = BaseImageResolver.Resolve(BaseImageLocation.Parse("oci-archive://" + archive + ":1.0", _temp.Path), TestImages.LinuxAmd64, _readStore, root);
            AssertSameImage(read, image);
            Assert.That(Directory.GetFileSystemEntries(root), Is.Empty, "the extracted copy is removed");
        }

        [Test]
        public void Docker_archive_is_read_through_manifest_json()
        {
            var (image, archive) = Archive("base", "1.0", "latest");
            var root = ExtractRoot();
            var byTag = BaseImageResolver.Resolve(BaseImageLocation.Parse("docker-archive://base.tar:base:1.0", _temp.Path), TestImages.LinuxAmd64, _readStore, root);
            AssertSameImage(byTag, image, hasManifestDigest: false);
            var first = BaseImageResolver.Resolve(BaseImageLocation.Parse("docker-archive://base.tar", _temp.Path), TestImages.LinuxAmd64, _readStore, root);
            AssertSameImage(first, image, hasManifestDigest: false);
            Assert.That(Directory.GetFileSystemEntries(root), Is.Empty, "the extracted copy is removed");

            var e = Assert.Throws<OciException>(() => BaseImageResolver.Resolve(BaseImageLocation.Parse("docker-archive://base.tar:base:9", _temp.Path), TestImages.LinuxAmd64, _readStore, root))!;
            Assert.That(e.Code, Is.EqualTo("OCI1005"));
            Assert.That(e.Message, Does.Contain("base:1.0, base:latest"));
            Assert.That(Directory.GetFileSystemEntries(root), Is.Empty, "removed after a failure too");

            var wrongPlatform = Assert.Throws<OciException>(() => BaseImageResolver.Resolve(BaseImageLocation.Parse("docker-archive://base.tar", _temp.Path), TestImages.LinuxArm64, _readStore, root))!;
            Assert.That(wrongPlatform.Code, Is.EqualTo("OCI1006"));
        }

        [Test]
        public void Docker_archive_selector_may_hold_a_namespaced_repository()
        {
            var (image, _) = Archive("team/base", "1.0");
            var location = BaseImageLocation.Parse("docker-archive://base.tar:team/base:1.0", _temp.Path);
            Assert.That(location.Path, Is.EqualTo(_temp.Combine("base.tar")));
            Assert.That(location.Tag, Is.EqualTo("team/base:1.0"));
            var read = BaseImageResolver.Resolve(location, TestImages.LinuxAmd64, _readStore, ExtractRoot());
            AssertSameImage(read, image, hasManifestDigest: false);
        }

        [Test]
        public void Missing_or_unreadable_archive()
        {
            var root = ExtractRoot();
            var missing = Assert.Throws<OciException>(() => BaseImageResolver.Resolve(BaseImageLocation.Parse("oci-archive://nope.tar", _temp.Path), TestImages.LinuxAmd64, _readStore, root))!;
            Assert.That(missing.Code, Is.EqualTo("OCI1004"));

            _temp.Write("junk.tar", new byte[1000].Select((_, i) => (byte)(i * 7)).ToArray());
            var junk = Assert.Throws<OciException>(() => BaseImageResolver.Resolve(BaseImageLocation.Parse("docker-archive://junk.tar", _temp.Path), TestImages.LinuxAmd64, _readStore, root))!;
            Assert.That(junk.Code, Is.EqualTo("OCI3004"));
            Assert.That(Directory.GetFileSystemEntries(root), Is.Empty);
        }

        [Test]
        public void Uncompressed_base_layer_is_gzipped_once_deterministically()
        {
            var tar = new MemoryStream();
            var writer = new DeterministicTarWriter(tar, new DateTime(1970, 1, 1), 0, 0);
            writer.WriteBytes("etc/hostname", FileModes.Regular, Encoding.ASCII.GetBytes("base"));
            writer.Finish();
            var path = _temp.Write("layer.tar", tar.ToArray());

            var a = BaseLayerImporter.Import(_readStore, path, null, "x");
            var b = BaseLayerImporter.Import(new BlobStore(_temp.Combine("another")), path, null, "x");
            Assert.That(a.Digest, Is.EqualTo(b.Digest));
            Assert.That(a.MediaType, Is.EqualTo(MediaTypes.OciLayerGzip));
            using var gz = new GZipStream(new MemoryStream(_readStore.ReadVerified(a.Digest)), CompressionMode.Decompress);
            var back = new MemoryStream();
            gz.CopyTo(back);
            Assert.That(back.ToArray(), Is.EqualTo(tar.ToArray()));
        }

        [Test]
        public void Gzip_base_layer_with_a_wrong_declared_digest_is_OCI3004()
        {
            var image = TestImages.Build(_store, _temp);
            var path = _store.PathOf(image.Layers[0].Digest);
            var declared = new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = "sha256:" + new string('9', 64), Size = 1 };
            var e = Assert.Throws<OciException>(() => BaseLayerImporter.Import(_readStore, path, declared, "oci-layout://b"))!;
            Assert.That(e.Code, Is.EqualTo("OCI3004"));

            var ok = BaseLayerImporter.Import(_readStore, path, new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = image.Layers[0].Digest }, "b");
            Assert.That(ok.MediaType, Is.EqualTo(MediaTypes.DockerLayerGzip), "a gzip layer keeps its declared type");
            Assert.That(ok.Size, Is.EqualTo(image.Layers[0].Size));
        }
    }
}
