using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.SupplyChain;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public sealed class BuildLabelsTests
    {
        private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        private static readonly string BaseDigest = "sha256:" + new string('c', 64);

        private static BaseImage RegistryBase(string? registryName) => new BaseImage
        {
            Name = registryName ?? "oci-layout:///images/base:1",
            RegistryName = registryName,
            ManifestDigest = BaseDigest,
            Config = BaseImage.Scratch(TestImages.LinuxAmd64).Config,
        };

        [Test]
        public void Created_and_the_registry_base_become_labels()
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
            BuildLabels.Add(labels, RegistryBase("registry.example/dotnet/runtime:10.0"), Created, new GeneratedLabels());
            Assert.That(labels, Is.EqualTo(new Dictionary<string, string>
            {
                [AnnotationKeys.BaseDigest] = BaseDigest,
                [AnnotationKeys.BaseName] = "registry.example/dotnet/runtime:10.0",
                [AnnotationKeys.Created] = "2023-11-14T22:13:20Z",
            }));
        }

        [Test]
        public void A_local_base_gives_its_digest_but_not_its_path_and_scratch_gives_neither()
        {
            var local = new SortedDictionary<string, string>(StringComparer.Ordinal);
            BuildLabels.Add(local, RegistryBase(null), Created, new GeneratedLabels());
            Assert.That(local.Keys, Is.EquivalentTo(new[] { AnnotationKeys.BaseDigest, AnnotationKeys.Created }));

            var scratch = new SortedDictionary<string, string>(StringComparer.Ordinal);
            BuildLabels.Add(scratch, BaseImage.Scratch(TestImages.LinuxAmd64), Created, new GeneratedLabels());
            Assert.That(scratch.Keys, Is.EquivalentTo(new[] { AnnotationKeys.Created }));
        }

        [Test]
        public void A_label_the_user_set_wins_and_switches_turn_each_off()
        {
            var labels = new SortedDictionary<string, string>(StringComparer.Ordinal) { [AnnotationKeys.Created] = "user's" };
            BuildLabels.Add(labels, RegistryBase("r.example/b:1"), Created, new GeneratedLabels { BaseName = false });
            Assert.That(labels[AnnotationKeys.Created], Is.EqualTo("user's"));
            Assert.That(labels.ContainsKey(AnnotationKeys.BaseName), Is.False);
            Assert.That(labels.ContainsKey(AnnotationKeys.BaseDigest), Is.True);

            var none = new SortedDictionary<string, string>(StringComparer.Ordinal);
            BuildLabels.Add(none, RegistryBase("r.example/b:1"), Created, GeneratedLabels.None);
            Assert.That(none, Is.Empty);
        }

        [Test]
        public void Annotations_are_the_oci_labels_only()
        {
            var annotations = BuildLabels.Annotations(new Dictionary<string, string>
            {
                ["org.opencontainers.image.title"] = "app",
                ["com.example.team"] = "blue",
                ["org.opencontainers.image.version"] = "1.2.3",
            });
            Assert.That(annotations.Keys, Is.EqualTo(new[] { "org.opencontainers.image.title", "org.opencontainers.image.version" }));
        }
    }

    public sealed class ImageAnnotationTests : StoreFixture
    {
        [Test]
        public void The_manifest_carries_the_oci_labels_as_annotations_beside_the_base_ones()
        {
            var settings = new ContainerSettings { AssemblyName = "App", AppHostFileName = "App" };
            settings.Labels["org.opencontainers.image.title"] = "hello";
            settings.Labels["com.example.team"] = "blue";
            var image = TestImages.Build(_store, _temp, settings: settings);
            var manifest = OciJson.Parse<ImageManifest>(_store.ReadVerified(image.Manifest.Digest));
            Assert.That(manifest.Annotations, Is.EqualTo(new Dictionary<string, string> { ["org.opencontainers.image.title"] = "hello" }));
            var config = OciJson.ParseObject(_store.ReadVerified(image.Config.Digest));
            Assert.That((string?)config["config"]!["Labels"]!["com.example.team"], Is.EqualTo("blue"), "every label stays in the config");

            var docker = TestImages.Build(_store, _temp, format: ImageFormat.Docker, settings: settings);
            Assert.That(OciJson.Parse<ImageManifest>(_store.ReadVerified(docker.Manifest.Digest)).Annotations, Is.Null, "Docker schema 2 has no annotations");
        }
    }
}
