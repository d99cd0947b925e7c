using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>Layout, tarball and summary of a two-platform image set (an OCI index over linux/amd64 and linux/arm64/v8).</summary>
    public class MultiPlatformOutputTests : StoreFixture
    {
        private static readonly ImageName Name = new ImageName("localhost:5000/", "team/app", new[] { "1.0", "latest" });

        private ImageSet _set = null!;
        private BuiltImage _amd = null!;
        private BuiltImage _arm = null!;

        [SetUp]
        public void BuildSet()
        {
            _set = MultiPlatformImages.AmdAndArm(_store, _temp, ImageFormat.Oci, new Dictionary<string, string> { ["org.opencontainers.image.version"] = "1.0" });
            _amd = _set.Images[0];
            _arm = _set.Images[1];
        }

        /// <summary>Every blob of both platforms plus the index, each once.</summary>
        private string[] AllBlobs() =>
            _set.Images.SelectMany(i => new[] { i.Manifest.Digest, i.Config.Digest }.Concat(i.Layers.Select(l => l.Digest)))
                .Append(_set.Root.Digest).Distinct().OrderBy(d => d, StringComparer.Ordinal).ToArray();


        private static string BlobName(string digest) => "blobs/sha256/" + Digest.Hex(digest);

        private static JObject DockerManifestEntry(Dictionary<string, byte[]> tar)
        {
            var manifestJson = JArray.Parse(Encoding.UTF8.GetString(tar["manifest.json"]));
            Assert.That(manifestJson, Has.Count.EqualTo(1), "docker load reads one image");
            return (JObject)manifestJson[0];
        }

        [Test]
        public void Layout_index_json_points_every_tag_at_the_index_and_holds_every_blob_once()
        {
            var layout = _temp.Combine("out", "layout");
            ImageOutputs.Write(_set, Name, layout, null, null, _temp.Combine("out", "summary.json"), _store);

            var indexJson = File.ReadAllBytes(Path.Combine(layout, "index.json"));
            OciSchemas.AssertValid(OciSchemas.Index, indexJson);
            var index = OciJson.Parse<ImageIndex>(indexJson);
            Assert.That(index.Manifests, Has.Count.EqualTo(2), "one entry per tag");
            Assert.That(index.Manifests.Select(m => m.Digest), Is.All.EqualTo(_set.Root.Digest));
            Assert.That(index.Manifests.Select(m => m.MediaType), Is.All.EqualTo(MediaTypes.OciIndex));
            Assert.That(index.Manifests.Select(m => m.Size), Is.All.EqualTo(_set.Root.Size));
            Assert.That(index.Manifests.Select(m => m.Annotations![AnnotationKeys.RefName]), Is.EqualTo(new[] { "1.0", "latest" }));
            Assert.That(index.Manifests.Select(m => m.Annotations![LayoutContent.ContainerdNameAnnotation]),
                Is.EqualTo(new[] { "localhost:5000/team/app:1.0", "localhost:5000/team/app:latest" }));
            Assert.That(index.Manifests.Select(m => m.Platform), Is.All.Null, "the entry is the index: it has no single platform");

            var blobDir = Path.Combine(layout, "blobs", "sha256");
            Assert.That(Directory.GetFiles(blobDir).Select(Path.GetFileName), Is.EquivalentTo(AllBlobs().Select(Digest.Hex)));
            Assert.That(AllBlobs(), Has.Length.EqualTo(8), "index + 2 manifests + 2 configs + 2 app-host layers + 1 shared app layer");
            foreach (var digest in AllBlobs())
                Assert.That(Digest.OfFile(Path.Combine(layout, LayoutContent.BlobPath(digest))), Is.EqualTo(digest));

            // The index blob in the layout names both platforms' manifests, which are in the layout too.
            var imageIndex = OciJson.Parse<ImageIndex>(File.ReadAllBytes(Path.Combine(layout, LayoutContent.BlobPath(_set.Root.Digest))));
            Assert.That(imageIndex.Manifests.Select(m => m.Platform!.ToString()), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));
            foreach (var m in imageIndex.Manifests)
            {
                var manifest = OciJson.Parse<ImageManifest>(File.ReadAllBytes(Path.Combine(layout, LayoutContent.BlobPath(m.Digest))));
                OciSchemas.AssertValid(OciSchemas.Manifest, File.ReadAllBytes(Path.Combine(layout, LayoutContent.BlobPath(m.Digest))));
                Assert.That(File.Exists(Path.Combine(layout, LayoutContent.BlobPath(manifest.Config.Digest))), Is.True);
                Assert.That(manifest.Layers.Select(l => File.Exists(Path.Combine(layout, LayoutContent.BlobPath(l.Digest)))), Is.All.True);
            }
        }

        [Test]
        public void LayoutContent_of_a_set_lists_the_index_and_every_distinct_blob()
        {
            var content = LayoutContent.For(_set, Name);
            Assert.That(content.BlobDigests, Is.EqualTo(AllBlobs()));
            Assert.That(_set.Root.Annotations, Is.Null, "the set's root descriptor is not changed by the tag entries");
        }

        [Test]
        public void Tarball_holds_the_layout_and_a_manifest_json_naming_the_host_platform_by_default()
        {
            Assume.That(RuntimeIdentifiers.ForHostArchitecture(), Is.EqualTo("linux-x64"), "the default is the building machine's platform");
            var archive = _temp.Combine("out", "image.tar");
            ImageOutputs.Write(_set, Name, null, archive, null, _temp.Combine("out", "summary.json"), _store);

            var tar = TarFiles.Read(archive);
            Assert.That(tar.Keys, Is.EquivalentTo(new[] { "blobs/", "blobs/sha256/", "index.json", "manifest.json", "oci-layout" }.Concat(AllBlobs().Select(BlobName))));
            Assert.That(tar["index.json"], Is.EqualTo(LayoutContent.For(_set, Name).IndexJson));
            Assert.That(Encoding.UTF8.GetString(tar["oci-layout"]), Is.EqualTo(LayoutContent.OciLayoutFile));
            foreach (var digest in AllBlobs())
                Assert.That(Digest.Of(tar[BlobName(digest)]), Is.EqualTo(digest));

            var entry = DockerManifestEntry(tar);
            Assert.That((string?)entry["Config"], Is.EqualTo(BlobName(_amd.Config.Digest)));
            Assert.That(entry["Layers"]!.Select(l => (string?)l), Is.EqualTo(_amd.Layers.Select(l => BlobName(l.Digest))));
            Assert.That(entry["RepoTags"]!.Select(t => (string?)t), Is.EqualTo(new[] { "localhost:5000/team/app:1.0", "localhost:5000/team/app:latest" }));
            var config = JObject.Parse(Encoding.UTF8.GetString(tar[(string)entry["Config"]!]));
            Assert.That((string?)config["architecture"], Is.EqualTo("amd64"));
        }

        [TestCase("linux/arm64")]
        [TestCase("linux/arm64/v8")]
        [TestCase("linux-arm64")]
        public void ContainerArchivePlatform_chooses_the_image_manifest_json_names(string platform)
        {
            var archive = _temp.Combine("out", "image.tar");
            ImageOutputs.Write(_set, Name, null, archive, platform, _temp.Combine("out", "summary.json"), _store);

            var tar = TarFiles.Read(archive);
            var entry = DockerManifestEntry(tar);
            Assert.That((string?)entry["Config"], Is.EqualTo(BlobName(_arm.Config.Digest)));
            Assert.That(entry["Layers"]!.Select(l => (string?)l), Is.EqualTo(_arm.Layers.Select(l => BlobName(l.Digest))));
            Assert.That(entry["RepoTags"]!.Select(t => (string?)t), Is.EqualTo(Name.RepoTags));
            var config = JObject.Parse(Encoding.UTF8.GetString(tar[(string)entry["Config"]!]));
            Assert.That((string?)config["architecture"], Is.EqualTo("arm64"));
            Assert.That(tar.Keys, Does.Contain(BlobName(_amd.Config.Digest)), "the OCI side of the tarball still holds every platform");
            Assert.That(tar["index.json"], Is.EqualTo(LayoutContent.For(_set, Name).IndexJson));
        }

        [TestCase("linux/arm/v7")]
        [TestCase("linux/s390x")]
        [TestCase("not a platform")]
        [TestCase("win-x64")]
        public void Bad_ContainerArchivePlatform_is_OCI1023_and_writes_nothing(string platform)
        {
            var outDir = _temp.Combine("out");
            var layout = Path.Combine(outDir, "layout");
            var archive = Path.Combine(outDir, "image.tar");
            var summary = Path.Combine(outDir, "summary.json");

            var e = Assert.Throws<OciException>(() => ImageOutputs.Write(_set, Name, layout, archive, platform, summary, _store))!;

            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidArchivePlatform));
            Assert.That(e.Message, Does.Contain("ContainerArchivePlatform"));
            Assert.That(File.Exists(archive), Is.False, "no tarball");
            Assert.That(Directory.Exists(layout), Is.False, "no layout");
            Assert.That(File.Exists(summary), Is.False, "no summary");
        }

        [Test]
        public void Bad_ContainerArchivePlatform_leaves_the_previous_outputs_alone()
        {
            var layout = _temp.Combine("out", "layout");
            var archive = _temp.Combine("out", "image.tar");
            var summary = _temp.Combine("out", "summary.json");
            ImageOutputs.Write(_set, Name, layout, archive, "linux/amd64", summary, _store);
            var tarBefore = File.ReadAllBytes(archive);
            var indexBefore = File.ReadAllBytes(Path.Combine(layout, "index.json"));
            var summaryBefore = File.ReadAllText(summary);

            Assert.Throws<OciException>(() => ImageOutputs.Write(_set, Name, layout, archive, "linux/ppc64le", summary, _store));

            Assert.That(File.ReadAllBytes(archive), Is.EqualTo(tarBefore));
            Assert.That(File.ReadAllBytes(Path.Combine(layout, "index.json")), Is.EqualTo(indexBefore));
            Assert.That(File.ReadAllText(summary), Is.EqualTo(summaryBefore));
            Assert.That(Directory.GetFileSystemEntries(_temp.Combine("out")).Select(Path.GetFileName),
                Is.EquivalentTo(new[] { "layout", "image.tar", "summary.json" }), "no temp leftovers");
        }

        [Test]
        public void Tarball_of_a_set_is_reproducible()
        {
            var a = _temp.Combine("a.tar");
            var b = _temp.Combine("b.tar");
            ImageOutputs.Write(_set, Name, null, a, "linux/arm64", _temp.Combine("s1.json"), _store);
            ImageOutputs.Write(_set, Name, null, b, "linux-arm64", _temp.Combine("s2.json"), _store);
            Assert.That(File.ReadAllBytes(b), Is.EqualTo(File.ReadAllBytes(a)));
        }

        [Test]
        public void Summary_of_a_set_names_the_index_and_both_platforms()
        {
            var layout = _temp.Combine("o", "layout");
            var archive = _temp.Combine("o", "image.tar");
            var summaryPath = _temp.Combine("o", "summary.json");
            var summary = ImageOutputs.Write(_set, Name, layout, archive, "linux/arm64", summaryPath, _store);

            Assert.That(summary.Digest, Is.EqualTo(_set.Root.Digest));
            var json = JObject.Parse(File.ReadAllText(summaryPath));
            Assert.That((string?)json["image"], Is.EqualTo("localhost:5000/team/app"));
            Assert.That(json["tags"]!.Select(t => (string?)t), Is.EqualTo(new[] { "1.0", "latest" }));
            Assert.That((string?)json["digest"], Is.EqualTo(_set.Root.Digest));
            Assert.That((string?)json["mediaType"], Is.EqualTo(MediaTypes.OciIndex));
            Assert.That((string?)json["platform"], Is.EqualTo("linux/amd64,linux/arm64/v8"));
            Assert.That((string?)json["runtimeIdentifier"], Is.EqualTo("linux-x64;linux-arm64"));
            Assert.That(json["configDigest"]?.Type ?? JTokenType.Null, Is.EqualTo(JTokenType.Null), "an index has no config");
            Assert.That(json["layers"]?.Type ?? JTokenType.Null, Is.EqualTo(JTokenType.Null), "layers are per platform");
            Assert.That((string?)json["outputs"]!["layout"], Is.EqualTo(layout));
            Assert.That((string?)json["outputs"]!["archive"], Is.EqualTo(archive));

            var platforms = (JArray)json["platforms"]!;
            Assert.That(platforms.Select(p => (string?)p["platform"]), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));
            Assert.That(platforms.Select(p => (string?)p["runtimeIdentifier"]), Is.EqualTo(new[] { "linux-x64", "linux-arm64" }));
            Assert.That(platforms.Select(p => (string?)p["digest"]), Is.EqualTo(new[] { _amd.Manifest.Digest, _arm.Manifest.Digest }));
            Assert.That(platforms.Select(p => (string?)p["configDigest"]), Is.EqualTo(new[] { _amd.Config.Digest, _arm.Config.Digest }));
            Assert.That(platforms.Select(p => p["layers"]!.Select(l => (string?)l["kind"])), Is.All.EqualTo(new[] { "app-host", "app" }));
            Assert.That(platforms[0]["layers"]![1]!["digest"]!.ToString(), Is.EqualTo(platforms[1]["layers"]![1]!["digest"]!.ToString()), "the shared app layer");
            Assert.That(platforms.Select(p => (string?)p["layers"]![0]!["mediaType"]), Is.All.EqualTo(MediaTypes.OciLayerGzip));
        }

        [Test]
        public void Summary_platforms_match_the_index_entries_when_the_arm64_config_has_no_variant()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var set = IndexBuilder.Build(new[]
            {
                MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared),
                MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64NoVariant, shared),
            }, ImageFormat.Oci, null, _store);
            var indexPlatforms = OciJson.Parse<ImageIndex>(_store.ReadVerified(set.Root.Digest)).Manifests.Select(m => m.Platform!.ToString()).ToList();
            Assert.That(indexPlatforms, Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }), "precondition: the index completes the variant");

            var summary = BuildSummary.From(set, Name, null, null);

            Assert.That(summary.Platforms!.Select(p => p.Platform), Is.EqualTo(indexPlatforms));
            Assert.That(summary.Platform, Is.EqualTo(string.Join(",", indexPlatforms)));
        }

        [Test]
        public void Summary_of_a_single_image_set_has_no_platforms_list()
        {
            var single = ImageSet.Single(_amd);
            var summary = BuildSummary.From(single, Name, null, null);
            Assert.That(summary.Digest, Is.EqualTo(_amd.Manifest.Digest));
            Assert.That(summary.MediaType, Is.EqualTo(MediaTypes.OciManifest));
            Assert.That(summary.Platforms, Is.Null);
            Assert.That(summary.ConfigDigest, Is.EqualTo(_amd.Config.Digest));
            Assert.That(summary.Platform, Is.EqualTo("linux/amd64"));
            Assert.That(summary.Layers!.Select(l => l.Kind), Is.EqualTo(new[] { "app-host", "app" }));
        }

        [Test]
        public void Docker_format_set_writes_a_manifest_list_into_layout_and_tarball()
        {
            var docker = MultiPlatformImages.AmdAndArm(_store, _temp, ImageFormat.Docker);
            var layout = _temp.Combine("d", "layout");
            var archive = _temp.Combine("d", "image.tar");
            var summary = ImageOutputs.Write(docker, Name, layout, archive, "linux/arm64", _temp.Combine("d", "summary.json"), _store);

            Assert.That(summary.MediaType, Is.EqualTo(MediaTypes.DockerManifestList));
            var index = OciJson.Parse<ImageIndex>(File.ReadAllBytes(Path.Combine(layout, "index.json")));
            Assert.That(index.Manifests.Select(m => (m.MediaType, m.Digest)), Is.All.EqualTo((MediaTypes.DockerManifestList, docker.Root.Digest)));
            Assert.That(File.Exists(Path.Combine(layout, LayoutContent.BlobPath(docker.Root.Digest))), Is.True);
            var entry = DockerManifestEntry(TarFiles.Read(archive));
            Assert.That((string?)entry["Config"], Is.EqualTo(BlobName(docker.Images[1].Config.Digest)));
        }
    }
}
