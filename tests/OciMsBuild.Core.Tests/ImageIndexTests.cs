using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>IndexBuilder: the platforms' images → an OCI image index or a Docker manifest list in the store.</summary>
    public class IndexBuilderTests : StoreFixture
    {
        private static readonly Dictionary<string, string> Annotations = new Dictionary<string, string>
        {
            ["org.opencontainers.image.version"] = "1.2.3",
            ["org.opencontainers.image.source"] = "https://example.com/app.git",
        };

        private JObject StoredJson(Descriptor d) => JObject.Parse(File.ReadAllText(_store.PathOf(d.Digest)));

        [Test]
        public void Oci_index_lists_the_platforms_in_the_given_order_and_is_stored_under_its_digest()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var arm = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64, shared);
            var amd = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared);

            var set = IndexBuilder.Build(new[] { arm, amd }, ImageFormat.Oci, Annotations, _store);

            Assert.That(set.IsIndex, Is.True);
            Assert.That(set.Format, Is.EqualTo("OCI"));
            Assert.That(set.Root.MediaType, Is.EqualTo(MediaTypes.OciIndex));
            Assert.That(set.Images, Is.EqualTo(new[] { arm, amd }), "the set keeps the images, in order");
            Assert.That(_store.Contains(set.Root.Digest), Is.True);
            var bytes = File.ReadAllBytes(_store.PathOf(set.Root.Digest));
            Assert.That(Digest.Of(bytes), Is.EqualTo(set.Root.Digest));
            Assert.That(set.Root.Size, Is.EqualTo(bytes.Length));
            OciSchemas.AssertValid(OciSchemas.Index, bytes);

            var index = StoredJson(set.Root);
            Assert.That((int)index["schemaVersion"]!, Is.EqualTo(2));
            Assert.That((string?)index["mediaType"], Is.EqualTo(MediaTypes.OciIndex));
            var entries = (JArray)index["manifests"]!;
            Assert.That(entries.Select(e => (string?)e["digest"]), Is.EqualTo(new[] { arm.Manifest.Digest, amd.Manifest.Digest }));
            Assert.That(entries.Select(e => (long)e["size"]!), Is.EqualTo(new[] { arm.Manifest.Size, amd.Manifest.Size }));
            Assert.That(entries.Select(e => (string?)e["mediaType"]), Is.All.EqualTo(MediaTypes.OciManifest));
            Assert.That(entries[0]["platform"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}"));
            Assert.That(entries[1]["platform"]!.ToString(Newtonsoft.Json.Formatting.None), Is.EqualTo("{\"architecture\":\"amd64\",\"os\":\"linux\"}"));

            var annotations = (JObject)index["annotations"]!;
            Assert.That(annotations.Properties().Select(p => p.Name), Is.EqualTo(new[] { "org.opencontainers.image.source", "org.opencontainers.image.version" }),
                "sorted, so the digest does not depend on the label order");
            Assert.That((string?)annotations["org.opencontainers.image.version"], Is.EqualTo("1.2.3"));
        }

        [Test]
        public void Arm64_entry_gets_variant_v8_when_the_images_config_has_none()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var amd = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared);
            var arm = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64NoVariant, shared);
            Assert.That(OciJson.ParseObject(_store.ReadVerified(arm.Config.Digest))["variant"], Is.Null, "precondition: the image's config has no variant");

            var set = IndexBuilder.Build(new[] { amd, arm }, ImageFormat.Oci, null, _store);

            var entries = OciJson.Parse<ImageIndex>(File.ReadAllBytes(_store.PathOf(set.Root.Digest))).Manifests;
            Assert.That(entries.Select(e => e.Platform!.ToString()), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));
            Assert.That(entries[1].Platform!.Variant, Is.EqualTo("v8"));
            var armV7 = MultiPlatformImages.Build(_store, _temp, new Platform("linux", "arm"), shared);
            var withArm = IndexBuilder.Build(new[] { amd, armV7 }, ImageFormat.Oci, null, _store);
            Assert.That(OciJson.Parse<ImageIndex>(_store.ReadVerified(withArm.Root.Digest)).Manifests[1].Platform!.ToString(), Is.EqualTo("linux/arm/v7"));
            Assert.That(arm.Platform.Variant, Is.EqualTo("v8"), "the build completes the image's platform from its RID too, so the summary agrees with the index");
        }

        [Test]
        public void Oci_index_without_annotations_has_no_annotations_key()
        {
            var set = MultiPlatformImages.AmdAndArm(_store, _temp, ImageFormat.Oci, new Dictionary<string, string>());
            Assert.That(StoredJson(set.Root).ContainsKey("annotations"), Is.False);
            var none = MultiPlatformImages.AmdAndArm(_store, _temp, ImageFormat.Oci, null);
            Assert.That(none.Root.Digest, Is.EqualTo(set.Root.Digest), "null and empty annotations give the same index");
        }

        [Test]
        public void Docker_format_is_a_manifest_list_without_annotations()
        {
            var set = MultiPlatformImages.AmdAndArm(_store, _temp, ImageFormat.Docker, Annotations);

            Assert.That(set.Format, Is.EqualTo("Docker"));
            Assert.That(set.IsIndex, Is.True);
            Assert.That(set.Root.MediaType, Is.EqualTo(MediaTypes.DockerManifestList));
            var bytes = _store.ReadVerified(set.Root.Digest);
            Assert.That(Digest.Of(bytes), Is.EqualTo(set.Root.Digest));
            var list = JObject.Parse(System.Text.Encoding.UTF8.GetString(bytes));
            Assert.That((string?)list["mediaType"], Is.EqualTo(MediaTypes.DockerManifestList));
            Assert.That((int)list["schemaVersion"]!, Is.EqualTo(2));
            Assert.That(list.ContainsKey("annotations"), Is.False, "a Docker manifest list has no annotations");
            var entries = (JArray)list["manifests"]!;
            Assert.That(entries.Select(e => (string?)e["mediaType"]), Is.All.EqualTo(MediaTypes.DockerManifest));
            Assert.That(entries.Select(e => (string?)e["digest"]), Is.EqualTo(set.Images.Select(i => i.Manifest.Digest)));
            Assert.That(entries.Select(e => $"{e["platform"]!["os"]}/{e["platform"]!["architecture"]}/{e["platform"]!["variant"]}"),
                Is.EqualTo(new[] { "linux/amd64/", "linux/arm64/v8" }));
            foreach (var image in set.Images)
                Assert.That((string?)StoredJson(image.Manifest)["mediaType"], Is.EqualTo(MediaTypes.DockerManifest));
        }

        [Test]
        public void Same_images_give_the_same_index_and_order_matters()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var amd = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared);
            var arm = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64, shared);
            var first = IndexBuilder.Build(new[] { amd, arm }, ImageFormat.Oci, Annotations, _store);
            var again = IndexBuilder.Build(new[] { amd, arm }, ImageFormat.Oci, new Dictionary<string, string>(Annotations.Reverse()), _store);
            var reversed = IndexBuilder.Build(new[] { arm, amd }, ImageFormat.Oci, Annotations, _store);
            Assert.That(again.Root.Digest, Is.EqualTo(first.Root.Digest));
            Assert.That(reversed.Root.Digest, Is.Not.EqualTo(first.Root.Digest));
        }

        [Test]
        public void Mixed_formats_are_OCI1013()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var oci = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared, ImageFormat.Oci);
            var docker = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64, shared, ImageFormat.Docker);

            var mixed = Assert.Throws<OciException>(() => IndexBuilder.Build(new[] { oci, docker }, ImageFormat.Oci, null, _store))!;
            Assert.That(mixed.Code, Is.EqualTo(ErrorCodes.InvalidImageFormat));
            Assert.That(mixed.Message, Does.Contain("linux-arm64").And.Contain("Docker"));

            var wrongIndex = Assert.Throws<OciException>(() => IndexBuilder.Build(new[] { oci }, ImageFormat.Docker, null, _store))!;
            Assert.That(wrongIndex.Code, Is.EqualTo(ErrorCodes.InvalidImageFormat));
        }

        [Test]
        public void Two_images_of_one_platform_are_OCI1022()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var glibc = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared, rid: "linux-x64");
            var musl = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Amd64, shared, rid: "linux-musl-x64");
            var storedBefore = Directory.GetFiles(_store.BlobDirectory).Length;

            var e = Assert.Throws<OciException>(() => IndexBuilder.Build(new[] { glibc, musl }, ImageFormat.Oci, null, _store))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.DuplicatePlatform));
            Assert.That(e.Message, Does.Contain("linux-x64").And.Contain("linux-musl-x64").And.Contain("linux/amd64"));
            Assert.That(Directory.GetFiles(_store.BlobDirectory), Has.Length.EqualTo(storedBefore), "no index blob was stored");
        }

        [Test]
        public void Arm64_with_and_without_variant_are_one_platform_OCI1022()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var plain = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64NoVariant, shared, rid: "linux-arm64");
            var v8 = MultiPlatformImages.Build(_store, _temp, MultiPlatformImages.Arm64, shared, rid: "linux-musl-arm64");
            var e = Assert.Throws<OciException>(() => IndexBuilder.Build(new[] { plain, v8 }, ImageFormat.Oci, null, _store))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.DuplicatePlatform));
            Assert.That(e.Message, Does.Contain("linux/arm64/v8"));
        }

        [Test]
        public void No_images_is_an_argument_error()
        {
            Assert.Throws<ArgumentException>(() => IndexBuilder.Build(Array.Empty<BuiltImage>(), ImageFormat.Oci, null, _store));
        }
    }

    /// <summary>ImageSet: the record the output and push steps read, one image or an index over several.</summary>
    public class ImageSetTests : StoreFixture
    {
        [Test]
        public void Load_reads_a_single_image_record()
        {
            var image = TestImages.Build(_store, _temp);
            var path = _temp.Write("obj/image.json", OciJson.ToText(image));

            var set = ImageSet.Load(path);

            Assert.That(set.IsIndex, Is.False);
            Assert.That(set.Format, Is.EqualTo("OCI"));
            Assert.That(set.Root.Digest, Is.EqualTo(image.Manifest.Digest));
            Assert.That(set.Root.MediaType, Is.EqualTo(MediaTypes.OciManifest));
            Assert.That(set.Images, Has.Count.EqualTo(1));
            Assert.That(set.Images[0].RuntimeIdentifier, Is.EqualTo("linux-x64"));
            Assert.That(set.Images[0].Config.Digest, Is.EqualTo(image.Config.Digest));
            Assert.That(set.Images[0].Layers.Select(l => l.Digest), Is.EqualTo(image.Layers.Select(l => l.Digest)));
            Assert.That(set.Images[0].LayerKinds, Is.EqualTo(new[] { "app" }));
        }

        [Test]
        public void Load_reads_a_docker_single_image_record_as_docker()
        {
            var image = TestImages.Build(_store, _temp, format: ImageFormat.Docker);
            var set = ImageSet.Load(_temp.Write("image.json", OciJson.ToText(image)));
            Assert.That(set.Format, Is.EqualTo("Docker"));
            Assert.That(set.Root.MediaType, Is.EqualTo(MediaTypes.DockerManifest));
            Assert.That(set.IsIndex, Is.False);
        }

        [Test]
        public void Load_reads_an_image_set_record()
        {
            var built = MultiPlatformImages.AmdAndArm(_store, _temp);
            var path = _temp.Write("obj/image-set.json", OciJson.ToText(built));

            var set = ImageSet.Load(path);

            Assert.That(set.IsIndex, Is.True);
            Assert.That(set.Format, Is.EqualTo("OCI"));
            Assert.That(set.Root.Digest, Is.EqualTo(built.Root.Digest));
            Assert.That(set.Root.Size, Is.EqualTo(built.Root.Size));
            Assert.That(set.Root.MediaType, Is.EqualTo(MediaTypes.OciIndex));
            Assert.That(set.Images.Select(i => i.RuntimeIdentifier), Is.EqualTo(new[] { "linux-x64", "linux-arm64" }));
            Assert.That(set.Images.Select(i => i.Platform.ToString()), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));
            Assert.That(set.Images.Select(i => i.Manifest.Digest), Is.EqualTo(built.Images.Select(i => i.Manifest.Digest)));
            Assert.That(set.Images[1].LayerKinds, Is.EqualTo(new[] { "app-host", "app" }));
            Assert.That(OciJson.ToText(set), Is.EqualTo(OciJson.ToText(built)), "the record round-trips");
        }

        [TestCase("{not json")]
        [TestCase("")]
        public void Load_of_a_broken_record_is_OCI3001(string content)
        {
            var path = _temp.Write("image.json", content);
            var e = Assert.Throws<OciException>(() => ImageSet.Load(path))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
            Assert.That(e.Message, Does.Contain(path));
        }

        [Test]
        public void Load_of_a_missing_record_is_OCI3001()
        {
            var e = Assert.Throws<OciException>(() => ImageSet.Load(_temp.Combine("nope", "image.json")))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
        }

        [Test]
        public void Single_has_the_images_manifest_as_root()
        {
            var image = TestImages.Build(_store, _temp);
            var set = ImageSet.Single(image);
            Assert.That(set.IsIndex, Is.False);
            Assert.That(set.Root.Digest, Is.EqualTo(image.Manifest.Digest));
            Assert.That(set.Images, Is.EqualTo(new[] { image }));
        }

        [Test]
        public void DistinctBlobs_lists_a_layer_shared_by_two_platforms_once()
        {
            var set = MultiPlatformImages.AmdAndArm(_store, _temp);
            var amd = set.Images[0];
            var arm = set.Images[1];
            Assert.That(amd.Layers[1].Digest, Is.EqualTo(arm.Layers[1].Digest), "precondition: the app layer is shared");
            Assert.That(amd.Layers[0].Digest, Is.Not.EqualTo(arm.Layers[0].Digest), "precondition: the app-host layers differ");

            var blobs = set.DistinctBlobs().Select(d => d.Digest).ToList();

            Assert.That(blobs, Is.Unique);
            Assert.That(blobs, Is.EquivalentTo(new[]
            {
                amd.Manifest.Digest, amd.Config.Digest, amd.Layers[0].Digest, amd.Layers[1].Digest,
                arm.Manifest.Digest, arm.Config.Digest, arm.Layers[0].Digest,
            }));
            Assert.That(blobs, Does.Not.Contain(set.Root.Digest), "the index itself is not a platform blob");
            Assert.That(set.DistinctBlobs().Single(d => d.Digest == amd.Layers[1].Digest).Size, Is.EqualTo(amd.Layers[1].Size));
        }
    }
}
