using System.Collections.Generic;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class OciJsonTests
    {
        private static readonly string D1 = "sha256:" + new string('1', 64);
        private static readonly string D2 = "sha256:" + new string('2', 64);

        private static string Text(object o) => Encoding.UTF8.GetString(OciJson.ToBytes(o));

        [Test]
        public void Manifest_is_compact_in_declaration_order_without_nulls()
        {
            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = D1, Size = 10 },
                Layers = { new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = D2, Size = 20 } },
            };
            Assert.That(Text(manifest), Is.EqualTo(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
                "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + D1 + "\",\"size\":10}," +
                "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + D2 + "\",\"size\":20}]}"));

            manifest.Annotations = new SortedDictionary<string, string>(System.StringComparer.Ordinal) { ["z"] = "1", ["a"] = "2" };
            Assert.That(Text(manifest), Does.EndWith("}],\"annotations\":{\"a\":\"2\",\"z\":\"1\"}}"));
            var bytes = OciJson.ToBytes(manifest);
            Assert.That(bytes[0], Is.EqualTo((byte)'{'), "no BOM");
            Assert.That(Text(manifest), Does.Not.Contain(" ").And.Not.Contain("\n"));
        }

        [Test]
        public void Index_and_descriptor_serialize_stably()
        {
            var index = new ImageIndex
            {
                MediaType = MediaTypes.OciIndex,
                Manifests =
                {
                    new Descriptor { MediaType = MediaTypes.OciManifest, Digest = D1, Size = 5, Platform = new Platform("linux", "arm64", "v8") },
                    new Descriptor { MediaType = MediaTypes.OciManifest, Digest = D2, Size = 6, Platform = new Platform("linux", "amd64") },
                },
            };
            Assert.That(Text(index), Is.EqualTo(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" +
                "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D1 + "\",\"size\":5,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}," +
                "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + D2 + "\",\"size\":6,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}"));

            var d = new Descriptor { MediaType = "a/b", Digest = D1, Size = 0, Urls = new List<string> { "https://x" }, Annotations = new SortedDictionary<string, string> { ["k"] = "v" } };
            Assert.That(Text(d), Is.EqualTo("{\"mediaType\":\"a/b\",\"digest\":\"" + D1 + "\",\"size\":0,\"urls\":[\"https://x\"],\"annotations\":{\"k\":\"v\"}}"));
            Assert.That(Text(new Descriptor { MediaType = "a/b", Digest = D1, Size = 1 }), Is.EqualTo("{\"mediaType\":\"a/b\",\"digest\":\"" + D1 + "\",\"size\":1}"));
        }

        [Test]
        public void Round_trips_to_the_same_bytes()
        {
            var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = { new Descriptor { MediaType = MediaTypes.OciManifest, Digest = D1, Size = 5, Platform = new Platform("linux", "amd64") } } };
            var bytes = OciJson.ToBytes(index);
            Assert.That(OciJson.ToBytes(OciJson.Parse<ImageIndex>(bytes)), Is.EqualTo(bytes));
        }

        [Test]
        public void ParseObject_keeps_dates_and_numbers_verbatim()
        {
            var text = "{\"created\":\"2023-11-14T22:13:20Z\",\"x\":{\"when\":\"2001-02-03T04:05:06.789+01:00\"},\"n\":12345678901234,\"f\":1.5}";
            var o = OciJson.ParseObject(Encoding.UTF8.GetBytes(text));
            Assert.That(o["created"]!.Type, Is.EqualTo(JTokenType.String));
            Assert.That(Encoding.UTF8.GetString(OciJson.ToBytes((JToken)o)), Is.EqualTo(text));
        }

        [TestCase(MediaTypes.OciIndex, true, false)]
        [TestCase(MediaTypes.DockerManifestList, true, false)]
        [TestCase(MediaTypes.OciManifest, false, true)]
        [TestCase(MediaTypes.DockerManifest, false, true)]
        [TestCase(MediaTypes.OciConfig, false, false)]
        public void Media_type_families(string type, bool index, bool manifest)
        {
            Assert.That(MediaTypes.IsIndex(type), Is.EqualTo(index));
            Assert.That(MediaTypes.IsManifest(type), Is.EqualTo(manifest));
        }

        [Test]
        public void Layer_types_convert_into_the_chosen_family()
        {
            Assert.That(ImageFormat.Docker.ConvertLayerType(MediaTypes.OciLayerGzip), Is.EqualTo(MediaTypes.DockerLayerGzip));
            Assert.That(ImageFormat.Oci.ConvertLayerType(MediaTypes.DockerLayerGzip), Is.EqualTo(MediaTypes.OciLayerGzip));
            Assert.That(ImageFormat.Oci.ConvertLayerType(MediaTypes.OciLayerZstd), Is.EqualTo(MediaTypes.OciLayerZstd));
            Assert.That(ImageFormat.Docker.ConfigType(), Is.EqualTo(MediaTypes.DockerConfig));
            Assert.That(ImageFormat.Oci.IndexType(), Is.EqualTo(MediaTypes.OciIndex));
        }

        [Test]
        public void Digest_helpers()
        {
            Assert.That(Digest.Of(new byte[0]), Is.EqualTo("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
            Assert.That(Digest.IsValid(D1), Is.True);
            Assert.That(Digest.IsValid("sha256:" + new string('A', 64)), Is.False);
            Assert.That(Digest.IsValid("sha512:" + new string('1', 64)), Is.False);
            Assert.That(Digest.IsValid(null), Is.False);
            Assert.That(Digest.Hex(D1), Is.EqualTo(new string('1', 64)));
            Assert.Throws<System.ArgumentException>(() => Digest.Hex("sha256:../../etc/passwd"));
        }
    }

    /// <summary>What we write must satisfy the OCI image-spec schemas.</summary>
    public class SchemaTests : StoreFixture
    {
        [Test]
        public void The_checker_rejects_broken_documents()
        {
            Assert.That(OciSchemas.Errors(OciSchemas.Manifest, "{\"schemaVersion\":2,\"layers\":[]}"), Is.Not.Empty, "no config");
            Assert.That(OciSchemas.Errors(OciSchemas.Manifest,
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"a/b\",\"digest\":\"sha256:x\",\"size\":1},\"layers\":[{\"mediaType\":\"not a type\",\"digest\":\"sha256:x\",\"size\":1}]}"),
                Is.Not.Empty, "bad layer media type");
            Assert.That(OciSchemas.Errors(OciSchemas.Index, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"sha256:ab\",\"size\":1,\"platform\":{}}]}"),
                Is.Not.Empty, "platform without os/architecture");
            Assert.That(OciSchemas.Errors(OciSchemas.Config, "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"), Is.Not.Empty, "no architecture");
            Assert.That(OciSchemas.Errors(OciSchemas.Layout, "{}"), Is.Not.Empty);
        }

        [TestCase(ImageFormat.Oci)]
        [TestCase(ImageFormat.Docker)]
        public void Built_manifest_config_index_and_layout_are_valid(ImageFormat format)
        {
            var settings = new ContainerSettings
            {
                AssemblyName = "App",
                Environment = { new KeyValuePair<string, string>("A", "1") },
                Labels = { ["org.opencontainers.image.source"] = "https://example.com" },
                Ports = { new ContainerPort { Number = 8080 } },
                User = "1654",
                DefaultArgs = { "--serve" },
            };
            var image = TestImages.Build(_store, _temp, format: format, settings: settings);
            var manifestBytes = _store.ReadVerified(image.Manifest.Digest);
            var configBytes = _store.ReadVerified(image.Config.Digest);
            OciSchemas.AssertValid(OciSchemas.Manifest, manifestBytes);
            OciSchemas.AssertValid(OciSchemas.Config, configBytes);
            OciSchemas.AssertValid(OciSchemas.Descriptor, OciJson.ToText(image.Manifest));

            var content = LayoutContent.For(image, new ImageName("localhost:5000", "team/app", new[] { "1.0", "latest" }));
            OciSchemas.AssertValid(OciSchemas.Index, content.IndexJson);
            OciSchemas.AssertValid(OciSchemas.Layout, LayoutContent.OciLayoutFile);
        }

        [Test]
        public void Image_on_a_base_with_layers_is_valid()
        {
            var baseImage = TestImages.Build(_store, _temp, content: "base");
            var resolved = new BaseImage
            {
                Name = "oci-layout://base",
                ManifestDigest = baseImage.Manifest.Digest,
                Config = OciJson.ParseObject(_store.ReadVerified(baseImage.Config.Digest)),
                Layers = baseImage.Layers,
            };
            var image = TestImages.Build(_store, _temp, baseImage: resolved, content: "app");
            Assert.That(image.Layers, Has.Count.EqualTo(2));
            OciSchemas.AssertValid(OciSchemas.Manifest, _store.ReadVerified(image.Manifest.Digest));
            OciSchemas.AssertValid(OciSchemas.Config, _store.ReadVerified(image.Config.Digest));
        }
    }
}
