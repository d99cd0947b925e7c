using System;
using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class ConfigMergerTests
    {
        private static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        private const string CreatedText = "2023-11-14T22:13:20Z";
        private static readonly string BaseDiffId = "sha256:" + new string('b', 64);
        private static readonly LayerRecord[] OurLayers =
        {
            new LayerRecord { Kind = "packages", DiffId = "sha256:" + new string('1', 64) },
            new LayerRecord { Kind = "app", DiffId = "sha256:" + new string('2', 64) },
        };

        private static JObject BaseConfig() => JObject.Parse(@"{
  ""created"": ""2020-01-01T00:00:00Z"",
  ""architecture"": ""amd64"",
  ""os"": ""linux"",
  ""config"": {
    ""Env"": [""PATH=/usr/bin"", ""APP_UID=1654"", ""KEEP=1"", ""ASPNETCORE_HTTP_PORTS=8080""],
    ""Entrypoint"": [""/bin/sh""],
    ""Cmd"": [""bash""],
    ""User"": ""root"",
    ""WorkingDir"": ""/"",
    ""Labels"": { ""z"": ""base"", ""a"": ""base"" },
    ""ExposedPorts"": { ""22/tcp"": {} },
    ""StopSignal"": ""SIGQUIT"",
    ""Healthcheck"": { ""Test"": [""CMD"", ""true""], ""Interval"": 30000000000 },
    ""Volumes"": { ""/data"": {} }
  },
  ""rootfs"": { ""type"": ""layers"", ""diff_ids"": [""" + BaseDiffId + @"""] },
  ""history"": [ { ""created"": ""2020-01-01T00:00:00Z"", ""created_by"": ""base layer"" } ]
}", new JsonLoadSettings());

        private static ContainerSettings Settings() => new ContainerSettings { AssemblyName = "App", AppHostFileName = "App" };

        private static JObject Merge(ContainerSettings s, JObject? baseConfig = null) =>
            ConfigMerger.Merge(baseConfig ?? BaseConfig(), s, OurLayers, Created);

        private static string[] Strings(JToken? t) => t == null ? new string[0] : t.Select(x => (string)x!).ToArray();

        [Test]
        public void Environment_overrides_in_place_and_appends()
        {
            var s = Settings();
            s.Environment.Add(new KeyValuePair<string, string>("PATH", "/app:/usr/bin"));
            s.Environment.Add(new KeyValuePair<string, string>("NEW", "a=b"));
            var c = Merge(s);
            Assert.That(Strings(c["config"]!["Env"]), Is.EqualTo(new[]
            {
                "PATH=/app:/usr/bin", "APP_UID=1654", "KEEP=1", "ASPNETCORE_HTTP_PORTS=8080", "NEW=a=b",
            }));
        }

        [Test]
        public void Entrypoint_apphost_dotnet_or_app_command()
        {
            var apphost = Merge(Settings());
            Assert.That(Strings(apphost["config"]!["Entrypoint"]), Is.EqualTo(new[] { "/app/App" }));

            var fdd = Settings();
            fdd.AppHostFileName = null;
            Assert.That(Strings(Merge(fdd)["config"]!["Entrypoint"]), Is.EqualTo(new[] { "dotnet", "/app/App.dll" }));

            var custom = Settings();
            custom.AppCommand.AddRange(new[] { "/usr/bin/tini", "--" });
            custom.AppCommandArgs.AddRange(new[] { "--urls", "http://+:80" });
            Assert.That(Strings(Merge(custom)["config"]!["Entrypoint"]), Is.EqualTo(new[] { "/usr/bin/tini", "--", "--urls", "http://+:80" }));

            var argsOnly = Settings();
            argsOnly.AppCommandArgs.Add("--verbose");
            argsOnly.WorkingDirectory = "/srv";
            Assert.That(Strings(Merge(argsOnly)["config"]!["Entrypoint"]), Is.EqualTo(new[] { "/srv/App", "--verbose" }));

            var root = Settings();
            root.WorkingDirectory = "/";
            Assert.That(ConfigMerger.Entrypoint(root), Is.EqualTo(new[] { "/App" }));
            Assert.That((string?)Merge(root)["config"]!["WorkingDir"], Is.EqualTo("/"));
        }

        [Test]
        public void Cmd_comes_from_default_args_and_the_base_cmd_is_dropped()
        {
            var none = Merge(Settings());
            Assert.That(((JObject)none["config"]!).ContainsKey("Cmd"), Is.False, "the base's 'bash' would be passed to our app");

            var s = Settings();
            s.DefaultArgs.AddRange(new[] { "--port", "5000" });
            Assert.That(Strings(Merge(s)["config"]!["Cmd"]), Is.EqualTo(new[] { "--port", "5000" }));
        }

        [Test]
        public void User_from_settings_else_APP_UID_else_base_user()
        {
            var s = Settings();
            s.User = "app:app";
            Assert.That((string?)Merge(s)["config"]!["User"], Is.EqualTo("app:app"));

            Assert.That((string?)Merge(Settings())["config"]!["User"], Is.EqualTo("1654"));

            var noUid = BaseConfig();
            ((JArray)noUid["config"]!["Env"]!).RemoveAt(1);
            Assert.That((string?)Merge(Settings(), noUid)["config"]!["User"], Is.EqualTo("root"));

            var nobody = BaseConfig();
            ((JArray)nobody["config"]!["Env"]!).RemoveAt(1);
            ((JObject)nobody["config"]!).Remove("User");
            Assert.That(((JObject)Merge(Settings(), nobody)["config"]!).ContainsKey("User"), Is.False);

            var ourUid = Settings();
            ourUid.Environment.Add(new KeyValuePair<string, string>("APP_UID", "2000"));
            Assert.That((string?)Merge(ourUid)["config"]!["User"], Is.EqualTo("2000"), "our APP_UID overrides the base's");
        }

        [Test]
        public void Labels_merge_sorted_with_ours_winning()
        {
            var s = Settings();
            s.Labels["z"] = "ours";
            s.Labels["m"] = "ours";
            var labels = (JObject)Merge(s)["config"]!["Labels"]!;
            Assert.That(labels.Properties().Select(p => p.Name), Is.EqualTo(new[] { "a", "m", "z" }));
            Assert.That(labels.Properties().Select(p => (string)p.Value!), Is.EqualTo(new[] { "base", "ours", "ours" }));
        }

        [Test]
        public void Ports_from_settings_and_ASPNETCORE_HTTP_PORTS_only_for_web_apps()
        {
            var s = Settings();
            s.Ports.Add(new ContainerPort { Number = 5000 });
            s.Ports.Add(new ContainerPort { Number = 53, Type = "udp" });
            s.Environment.Add(new KeyValuePair<string, string>("ASPNETCORE_HTTP_PORTS", "8080;9090, 7070"));

            var console = (JObject)Merge(s)["config"]!["ExposedPorts"]!;
            Assert.That(console.Properties().Select(p => p.Name), Is.EqualTo(new[] { "22/tcp", "5000/tcp", "53/udp" }));

            s.IsWebApp = true;
            var web = (JObject)Merge(s)["config"]!["ExposedPorts"]!;
            Assert.That(web.Properties().Select(p => p.Name), Is.EqualTo(new[] { "22/tcp", "5000/tcp", "53/udp", "7070/tcp", "8080/tcp", "9090/tcp" }));
            Assert.That(web.Properties().Select(p => p.Value), Is.All.EqualTo(new JObject()));

            var webDefault = Settings();
            webDefault.IsWebApp = true;
            var fromBase = (JObject)Merge(webDefault)["config"]!["ExposedPorts"]!;
            Assert.That(fromBase.Properties().Select(p => p.Name), Is.EqualTo(new[] { "22/tcp", "8080/tcp" }), "the base's ASPNETCORE_HTTP_PORTS counts");
        }

        [Test]
        public void Diff_ids_history_and_created()
        {
            var c = Merge(Settings());
            Assert.That(Strings(c["rootfs"]!["diff_ids"]), Is.EqualTo(new[] { BaseDiffId, OurLayers[0].DiffId, OurLayers[1].DiffId }));
            Assert.That((string?)c["rootfs"]!["type"], Is.EqualTo("layers"));
            Assert.That((string?)c["created"], Is.EqualTo(CreatedText));
            var history = (JArray)c["history"]!;
            Assert.That(history, Has.Count.EqualTo(3));
            Assert.That((string?)history[0]["created_by"], Is.EqualTo("base layer"));
            Assert.That(history.Skip(1).Select(h => (string?)h["created"]), Is.All.EqualTo(CreatedText));
            Assert.That(history.Skip(1).Select(h => (string?)h["created_by"]), Is.EqualTo(new[] { "OciMsBuild: packages layer", "OciMsBuild: app layer" }));
        }

        [Test]
        public void Base_fields_we_do_not_own_are_kept_and_the_base_is_not_modified()
        {
            var baseConfig = BaseConfig();
            var before = baseConfig.ToString();
            var c = Merge(Settings(), baseConfig);
            Assert.That((string?)c["config"]!["StopSignal"], Is.EqualTo("SIGQUIT"));
            Assert.That(JToken.DeepEquals(c["config"]!["Healthcheck"], baseConfig["config"]!["Healthcheck"]), Is.True);
            Assert.That(((JObject)c["config"]!["Volumes"]!).ContainsKey("/data"), Is.True);
            Assert.That((string?)c["architecture"], Is.EqualTo("amd64"));
            Assert.That(baseConfig.ToString(), Is.EqualTo(before));
        }

        [Test]
        public void Scratch_base_gets_a_complete_config()
        {
            var c = ConfigMerger.Merge(BaseImage.Scratch(new Platform("linux", "arm64", "v8")).Config, Settings(), OurLayers, Created);
            Assert.That((string?)c["architecture"], Is.EqualTo("arm64"));
            Assert.That((string?)c["variant"], Is.EqualTo("v8"));
            Assert.That(Strings(c["rootfs"]!["diff_ids"]), Is.EqualTo(OurLayers.Select(l => l.DiffId)));
            Assert.That(((JObject)c["config"]!).ContainsKey("Env"), Is.False, "empty env is omitted");
            Assert.That(((JObject)c["config"]!).ContainsKey("User"), Is.False);
            Assert.That(((JObject)c["config"]!).ContainsKey("Labels"), Is.False);
            Assert.That(((JObject)c["config"]!).ContainsKey("ExposedPorts"), Is.False);
        }
    }

    public class ImageBuilderTests : StoreFixture
    {
        private BaseImage BaseWithLayer(string? registryName)
        {
            var baseLayer = TestImages.PackLayer(_store, _temp, LayerKind.App, new Dictionary<string, string> { ["base.txt"] = "base" });
            var config = BaseImage.Scratch(TestImages.LinuxAmd64).Config;
            ((JArray)config["rootfs"]!["diff_ids"]!).Add(baseLayer.DiffId);
            return new BaseImage
            {
                Name = "oci-layout:///images/base:1",
                RegistryName = registryName,
                ManifestDigest = "sha256:" + new string('c', 64),
                Config = config,
                Layers = { new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = baseLayer.Digest, Size = baseLayer.Size } },
            };
        }

        private ImageManifest Manifest(BuiltImage image) => OciJson.Parse<ImageManifest>(_store.ReadVerified(image.Manifest.Digest));

        [Test]
        public void Oci_image_has_oci_types_and_the_base_digest_annotation()
        {
            var image = TestImages.Build(_store, _temp, baseImage: BaseWithLayer(null));
            var manifest = Manifest(image);
            Assert.That(manifest.MediaType, Is.EqualTo(MediaTypes.OciManifest));
            Assert.That(manifest.Config.MediaType, Is.EqualTo(MediaTypes.OciConfig));
            Assert.That(manifest.Layers.Select(l => l.MediaType), Is.All.EqualTo(MediaTypes.OciLayerGzip), "the base's Docker layer type is converted");
            Assert.That(manifest.Annotations, Is.EqualTo(new Dictionary<string, string> { [AnnotationKeys.BaseDigest] = "sha256:" + new string('c', 64) }),
                "a local base's name is a path: left out");
            Assert.That(image.Format, Is.EqualTo("OCI"));
            Assert.That(image.LayerKinds, Is.EqualTo(new[] { "base", "app" }));
            Assert.That(image.Manifest.Digest, Is.EqualTo(Digest.Of(_store.ReadVerified(image.Manifest.Digest))));
            Assert.That(image.Manifest.MediaType, Is.EqualTo(MediaTypes.OciManifest));
            Assert.That(image.Manifest.Platform, Is.EqualTo(TestImages.LinuxAmd64));
            Assert.That(image.BaseDigest, Is.EqualTo("sha256:" + new string('c', 64)));

            var config = OciJson.ParseObject(_store.ReadVerified(image.Config.Digest));
            Assert.That((string?)config["created"], Is.EqualTo(SourceDateEpoch.Format(TestImages.Epoch)));
            Assert.That(config["rootfs"]!["diff_ids"]!.Count(), Is.EqualTo(manifest.Layers.Count));
        }

        [Test]
        public void Registry_base_also_records_its_name()
        {
            var image = TestImages.Build(_store, _temp, baseImage: BaseWithLayer("mcr.microsoft.com/dotnet/runtime:10.0"));
            Assert.That(Manifest(image).Annotations![AnnotationKeys.BaseName], Is.EqualTo("mcr.microsoft.com/dotnet/runtime:10.0"));
        }

        [Test]
        public void Docker_image_has_docker_types_and_no_annotations()
        {
            var image = TestImages.Build(_store, _temp, format: ImageFormat.Docker, baseImage: BaseWithLayer("x.io/base:1"));
            var bytes = _store.ReadVerified(image.Manifest.Digest);
            var manifest = OciJson.Parse<ImageManifest>(bytes);
            Assert.That(manifest.MediaType, Is.EqualTo(MediaTypes.DockerManifest));
            Assert.That(manifest.Config.MediaType, Is.EqualTo(MediaTypes.DockerConfig));
            Assert.That(manifest.Layers.Select(l => l.MediaType), Is.All.EqualTo(MediaTypes.DockerLayerGzip));
            Assert.That(manifest.Annotations, Is.Null);
            Assert.That(System.Text.Encoding.UTF8.GetString(bytes), Does.Not.Contain("annotations"));
            Assert.That(image.Format, Is.EqualTo("Docker"));
            Assert.That(image.Config.MediaType, Is.EqualTo(MediaTypes.DockerConfig));
        }

        [Test]
        public void Scratch_base_has_no_annotations_and_only_our_layers()
        {
            var image = TestImages.Build(_store, _temp, platform: TestImages.LinuxArm64);
            var manifest = Manifest(image);
            Assert.That(manifest.Annotations, Is.Null);
            Assert.That(manifest.Layers, Has.Count.EqualTo(1));
            Assert.That(image.Platform.ToString(), Is.EqualTo("linux/arm64/v8"));
            Assert.That(image.RuntimeIdentifier, Is.EqualTo("linux-arm64"));
            Assert.That(image.BaseName, Is.Null);
        }

        [Test]
        public void Same_inputs_give_the_same_digests()
        {
            var a = TestImages.Build(_store, _temp);
            var b = TestImages.Build(new BlobStore(_temp.Combine("other-store")), _temp);
            Assert.That(b.Manifest.Digest, Is.EqualTo(a.Manifest.Digest));
            Assert.That(b.Config.Digest, Is.EqualTo(a.Config.Digest));
            var c = TestImages.Build(_store, _temp, content: "one line changed");
            Assert.That(c.Manifest.Digest, Is.Not.EqualTo(a.Manifest.Digest));
        }
    }
}
