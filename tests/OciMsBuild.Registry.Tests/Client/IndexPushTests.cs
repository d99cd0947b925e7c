using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Sources;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>
    /// Multi-platform images (an OCI image index or a Docker manifest list over linux/amd64 and
    /// linux/arm64/v8, sharing their app layer) pushed to a real registry and read back by skopeo and umoci.
    /// </summary>
    [TestFixture]
    public sealed class IndexPushTests : ClientFixture
    {
        private const string Repository = "team/multi";
        private static readonly string[] Tags = { "1.0", "latest" };

        /// <summary>A layer under /app holding <paramref name="files"/>.</summary>
        private static LayerRecord Pack(BlobStore store, string workDir, LayerKind kind, IDictionary<string, byte[]> files)
        {
            var source = Path.Combine(workDir, "src-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(source);
            var published = new List<PublishedFile>();
            foreach (var file in files)
            {
                var path = Path.Combine(source, file.Key);
                File.WriteAllBytes(path, file.Value);
                published.Add(new PublishedFile(file.Key, path) { HasMetadata = true });
            }
            return LayerPacker.Pack(LayerPlanBuilder.Build(kind, published, "/app", 0, 0, DateTimeOffset.FromUnixTimeSeconds(0)), store);
        }

        private static string AppHostText(string rid, string version) => $"apphost {version} for {rid}";

        /// <summary>One platform's image: its own app-host layer (App, App.deps.json) below the shared app layer.</summary>
        private BuiltImage BuildPlatform(Platform platform, string rid, LayerRecord shared, ImageFormat format, string version = "v1")
        {
            var appHost = Pack(Store, Work, LayerKind.AppHost, new Dictionary<string, byte[]>
            {
                ["App"] = Encoding.UTF8.GetBytes(AppHostText(rid, version)),
                ["App.deps.json"] = Encoding.UTF8.GetBytes("{\"runtimeTarget\":{\"name\":\".NETCoreApp,Version=v10.0/" + rid + "\"}}"),
            });
            var settings = new ContainerSettings { WorkingDirectory = "/app", AppCommand = new List<string> { "/app/App" } };
            return ImageBuilder.Build(BaseImage.Scratch(platform), new[] { appHost, shared }, settings, format, rid, platform,
                DateTimeOffset.FromUnixTimeSeconds(0), Store);
        }

        private LayerRecord SharedLayer() => Pack(Store, Work, LayerKind.App, new Dictionary<string, byte[]>
        {
            ["App.dll"] = BuiltImages.Noise(150_000, 42),
            ["hello.txt"] = Encoding.UTF8.GetBytes("shared by every platform"),
        });

        /// <summary>linux/amd64 then linux/arm64/v8, sharing the app layer, under one index.</summary>
        private ImageSet TwoPlatforms(ImageFormat format = ImageFormat.Oci, string armVersion = "v1")
        {
            var shared = SharedLayer();
            var images = new[]
            {
                BuildPlatform(BuiltImages.Amd64, "linux-x64", shared, format),
                BuildPlatform(BuiltImages.Arm64, "linux-arm64", shared, format, armVersion),
            };
            var annotations = new Dictionary<string, string> { ["org.opencontainers.image.version"] = "1.0" };
            return IndexBuilder.Build(images, format, annotations, Store);
        }

        private static bool IsManifestPut(ProxiedRequest r, string reference) =>
            r.Method == "PUT" && r.IsManifest && Uri.UnescapeDataString(r.Path).EndsWith("/manifests/" + reference, StringComparison.Ordinal);

        private static bool Names(ProxiedRequest r, string digest) =>
            Uri.UnescapeDataString(r.PathAndQuery).Contains(digest, StringComparison.Ordinal);

        private static JObject InspectRaw(string reference)
        {
            var raw = Skopeo.InspectRaw(reference, "--tls-verify=false");
            Assert.That(raw.ExitCode, Is.EqualTo(0), raw.ToString());
            return JObject.Parse(raw.StdOut);
        }

        /// <summary>skopeo inspect (not raw) choosing a platform from an index, as a pulling client would.</summary>
        private static JObject InspectFor(string reference, string arch, params string[] extra)
        {
            var args = new[] { "--override-os", "linux", "--override-arch", arch }.Concat(extra).Concat(new[] { "inspect", "--tls-verify=false", reference });
            var result = Skopeo.Run(args, null);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
            return JObject.Parse(result.StdOut);
        }

        /// <summary>skopeo inspect's Layers are those of the platform it chose; its Digest is the index it was pointed at.</summary>
        private static void AssertChose(JObject view, BuiltImage image, string indexDigest)
        {
            Assert.That((string?)view["Architecture"], Is.EqualTo(image.Platform.Architecture));
            Assert.That(view["Layers"]!.Select(l => (string?)l), Is.EqualTo(image.Layers.Select(l => l.Digest)), "the chosen platform's layers");
            Assert.That((string?)view["Digest"], Is.EqualTo(indexDigest), "the tag names the index");
        }

        private static string Sha256OfStdout(string stdout) => Digest.Of(Encoding.UTF8.GetBytes(stdout.TrimEnd('\n', '\r')));

        [Test]
        public async Task Index_push_uploads_a_shared_layer_once_puts_platforms_by_digest_then_the_index_under_each_tag()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var set = TwoPlatforms();
            var amd = set.Images[0];
            var arm = set.Images[1];
            var sharedDigest = amd.Layers[1].Digest;
            Assert.That(arm.Layers[1].Digest, Is.EqualTo(sharedDigest), "precondition: one app layer for both platforms");
            Assert.That(arm.Layers[0].Digest, Is.Not.EqualTo(amd.Layers[0].Digest), "precondition: app-host layers differ");

            using var connections = Connect();
            var result = await new ImagePusher(connections, Store).PushAsync(set, proxy.Host, Repository, Tags);
            var requests = proxy.Requests;
            TestContext.Out.WriteLine(string.Join("\n", requests));

            Assert.That(result.ManifestDigest, Is.EqualTo(set.Root.Digest));
            Assert.That(result.AlreadyUpToDate, Is.False);
            Assert.That(result.BlobsUploaded, Is.EqualTo(5), "2 configs + 2 app-host layers + the shared app layer once");
            Assert.That(result.BlobsPresent + result.BlobsMounted, Is.Zero);

            // The shared layer: asked about once, uploaded once.
            Assert.That(requests.Count(r => r.Method == "PUT" && r.IsBlobUpload && Names(r, sharedDigest)), Is.EqualTo(1), "one closing PUT for the shared layer");
            Assert.That(requests.Count(r => r.Method == "HEAD" && r.IsBlob && Names(r, sharedDigest)), Is.EqualTo(1));
            Assert.That(requests.Count(r => r.Method == "POST" && r.IsBlobUpload), Is.EqualTo(5), "one upload session per distinct blob");
            Assert.That(requests.Count(r => r.Method == "PUT" && r.IsBlobUpload), Is.EqualTo(5));
            Assert.That(requests.Where(r => r.IsBlobUpload).Select(r => r.Status), Is.All.InRange(200, 299));

            // Manifests: the platforms by digest, then the index under each tag; nothing else is a manifest PUT.
            var manifestPuts = requests.Where(r => r.Method == "PUT" && r.IsManifest).ToList();
            Assert.That(manifestPuts, Has.Count.EqualTo(4), string.Join("\n", manifestPuts));
            Assert.That(IsManifestPut(manifestPuts[0], amd.Manifest.Digest), Is.True, manifestPuts[0].ToString());
            Assert.That(IsManifestPut(manifestPuts[1], arm.Manifest.Digest), Is.True, manifestPuts[1].ToString());
            Assert.That(IsManifestPut(manifestPuts[2], "1.0"), Is.True, manifestPuts[2].ToString());
            Assert.That(IsManifestPut(manifestPuts[3], "latest"), Is.True, manifestPuts[3].ToString());
            Assert.That(manifestPuts.Select(r => r.Status), Is.All.EqualTo(201));
            Assert.That(manifestPuts.Take(2).Select(r => r.Header("Content-Type")), Is.All.StartsWith(MediaTypes.OciManifest));
            Assert.That(manifestPuts.Skip(2).Select(r => r.Header("Content-Type")), Is.All.StartsWith(MediaTypes.OciIndex));
            var lastBlob = requests.Where(r => r.IsBlob || r.IsBlobUpload).Max(r => r.Sequence);
            Assert.That(manifestPuts[0].Sequence, Is.GreaterThan(lastBlob), "every blob is in place before the first manifest");

            // Only the given tags: no per-platform tags.
            Assert.That(registry.Storage.Tags(Repository), Is.EqualTo(Tags));
            Assert.That(registry.Storage.TagDigest(Repository, "1.0"), Is.EqualTo(set.Root.Digest));
            var listTags = Skopeo.Run("list-tags", "--tls-verify=false", $"docker://{registry.Host}/{Repository}");
            Assert.That(listTags.ExitCode, Is.EqualTo(0), listTags.ToString());
            Assert.That(JObject.Parse(listTags.StdOut)["Tags"]!.Select(t => (string?)t), Is.EquivalentTo(Tags));

            // The index as the registry serves it: our bytes, both platforms.
            var rawResult = Skopeo.InspectRaw($"docker://{registry.Host}/{Repository}:latest", "--tls-verify=false");
            Assert.That(rawResult.ExitCode, Is.EqualTo(0), rawResult.ToString());
            Assert.That(Sha256OfStdout(rawResult.StdOut), Is.EqualTo(set.Root.Digest));
            var index = JObject.Parse(rawResult.StdOut);
            Assert.That((string?)index["mediaType"], Is.EqualTo(MediaTypes.OciIndex));
            Assert.That(index["manifests"]!.Select(m => (string?)m["digest"]), Is.EqualTo(new[] { amd.Manifest.Digest, arm.Manifest.Digest }));
            Assert.That(index["manifests"]!.Select(m => $"{m["platform"]!["os"]}/{m["platform"]!["architecture"]}/{m["platform"]!["variant"]}"),
                Is.EqualTo(new[] { "linux/amd64/", "linux/arm64/v8" }));
            Assert.That((string?)index["annotations"]!["org.opencontainers.image.version"], Is.EqualTo("1.0"));
            foreach (var image in set.Images)
            {
                var platformManifest = InspectRaw($"docker://{registry.Host}/{Repository}@{image.Manifest.Digest}");
                Assert.That((string?)platformManifest["config"]!["digest"], Is.EqualTo(image.Config.Digest));
            }

            // A client picking a platform from the index gets that platform's manifest.
            AssertChose(InspectFor($"docker://{registry.Host}/{Repository}:1.0", "arm64", "--override-variant", "v8"), arm, set.Root.Digest);
            AssertChose(InspectFor($"docker://{registry.Host}/{Repository}:1.0", "amd64"), amd, set.Root.Digest);

            // skopeo copies the whole index, then each platform unpacks with umoci.
            var all = Path.Combine(Work, "all");
            var copyAll = Skopeo.Run("copy", "--all", "--src-tls-verify=false", $"docker://{registry.Host}/{Repository}:1.0", $"oci:{all}:1.0");
            Assert.That(copyAll.ExitCode, Is.EqualTo(0), copyAll.ToString());
            foreach (var digest in set.DistinctBlobs().Select(d => d.Digest).Append(set.Root.Digest))
                Assert.That(File.Exists(Path.Combine(all, "blobs", "sha256", Digest.Hex(digest))), Is.True, $"{digest} copied unchanged");

            var umoci = Tools.Require("umoci");
            foreach (var (image, arch) in new[] { (amd, "amd64"), (arm, "arm64") })
            {
                var layout = Path.Combine(Work, "platform-" + arch);
                var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/{Repository}@{image.Manifest.Digest}", $"oci:{layout}:{arch}");
                Assert.That(copy.ExitCode, Is.EqualTo(0), copy.ToString());
                var bundle = Path.Combine(Work, "bundle-" + arch);
                var unpack = ToolRunner.Run(umoci, new[] { "unpack", "--image", layout + ":" + arch, bundle });
                Assert.That(unpack.ExitCode, Is.EqualTo(0), unpack.ToString());
                var rootfs = Path.Combine(bundle, "rootfs", "app");
                Assert.That(File.ReadAllText(Path.Combine(rootfs, "App")), Is.EqualTo(AppHostText(image.RuntimeIdentifier, "v1")));
                Assert.That(File.ReadAllText(Path.Combine(rootfs, "App.deps.json")), Does.Contain("/" + image.RuntimeIdentifier));
                Assert.That(File.ReadAllText(Path.Combine(rootfs, "hello.txt")), Is.EqualTo("shared by every platform"));
                Assert.That(File.ReadAllBytes(Path.Combine(rootfs, "App.dll")), Is.EqualTo(BuiltImages.Noise(150_000, 42)));
            }

            // Pushing the same set again: only HEADs (and the ping), nothing uploaded, nothing written.
            proxy.ClearRequests();
            using var again = Connect();
            var second = await new ImagePusher(again, Store).PushAsync(set, proxy.Host, Repository, Tags);
            var secondRequests = proxy.Requests;
            TestContext.Out.WriteLine("re-push: " + string.Join(", ", secondRequests.Select(r => r.Method + " " + r.Path)));
            Assert.That(second.AlreadyUpToDate, Is.True);
            Assert.That(second.ManifestDigest, Is.EqualTo(set.Root.Digest));
            Assert.That(second.BlobsUploaded + second.BlobsMounted + second.BlobsPresent, Is.Zero);
            Assert.That(secondRequests.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero, "no blob request at all");
            Assert.That(secondRequests.Where(r => r.Path.TrimEnd('/') != "/v2").Select(r => r.Method), Is.All.EqualTo("HEAD"));
            Assert.That(secondRequests.Count(r => r.Method == "HEAD" && r.IsManifest), Is.EqualTo(Tags.Length), "one HEAD per tag");
            Assert.That(secondRequests.Sum(r => r.RequestBodyBytes), Is.Zero);
            Assert.That(registry.Storage.Tags(Repository), Is.EqualTo(Tags));
        }

        [Test]
        public async Task Changing_one_platform_uploads_only_its_blobs_and_moves_the_tags_to_the_new_index()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            using var connections = Connect();
            var first = TwoPlatforms();
            await new ImagePusher(connections, Store).PushAsync(first, proxy.Host, Repository, Tags);

            var changed = TwoPlatforms(armVersion: "v2");
            Assert.That(changed.Images[0].Manifest.Digest, Is.EqualTo(first.Images[0].Manifest.Digest), "precondition: amd64 unchanged");
            Assert.That(changed.Images[1].Manifest.Digest, Is.Not.EqualTo(first.Images[1].Manifest.Digest));
            proxy.ClearRequests();
            var result = await new ImagePusher(connections, Store).PushAsync(changed, proxy.Host, Repository, Tags);

            Assert.That(result.AlreadyUpToDate, Is.False);
            Assert.That(result.BlobsUploaded, Is.EqualTo(2), "arm64's new app-host layer and config");
            Assert.That(result.BlobsPresent, Is.EqualTo(3), "amd64's config and app-host layer, the shared layer");
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsBlobUpload && Names(r, changed.Images[0].Layers[1].Digest)), Is.Zero, "the shared layer is not sent again");
            Assert.That(registry.Storage.TagDigest(Repository, "1.0"), Is.EqualTo(changed.Root.Digest));
            Assert.That(registry.Storage.TagDigest(Repository, "latest"), Is.EqualTo(changed.Root.Digest));
            AssertChose(InspectFor($"docker://{registry.Host}/{Repository}:latest", "arm64", "--override-variant", "v8"), changed.Images[1], changed.Root.Digest);
        }

        [Test]
        public async Task Docker_format_set_pushes_as_a_manifest_list()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var set = TwoPlatforms(ImageFormat.Docker);
            Assert.That(set.Root.MediaType, Is.EqualTo(MediaTypes.DockerManifestList), "precondition");

            using var connections = Connect();
            var result = await new ImagePusher(connections, Store).PushAsync(set, proxy.Host, "team/docker-list", new[] { "1" });
            Assert.That(result.ManifestDigest, Is.EqualTo(set.Root.Digest));
            Assert.That(result.BlobsUploaded, Is.EqualTo(5));
            var manifestPuts = proxy.Requests.Where(r => r.Method == "PUT" && r.IsManifest).ToList();
            Assert.That(manifestPuts.Select(r => r.Header("Content-Type")),
                Is.EqualTo(new[] { MediaTypes.DockerManifest, MediaTypes.DockerManifest, MediaTypes.DockerManifestList }));
            Assert.That(manifestPuts.Select(r => r.Status), Is.All.EqualTo(201));

            var rawResult = Skopeo.InspectRaw($"docker://{registry.Host}/team/docker-list:1", "--tls-verify=false");
            Assert.That(rawResult.ExitCode, Is.EqualTo(0), rawResult.ToString());
            Assert.That(Sha256OfStdout(rawResult.StdOut), Is.EqualTo(set.Root.Digest));
            var list = JObject.Parse(rawResult.StdOut);
            Assert.That((string?)list["mediaType"], Is.EqualTo(MediaTypes.DockerManifestList));
            Assert.That(list.ContainsKey("annotations"), Is.False);
            Assert.That(list["manifests"]!.Select(m => (string?)m["mediaType"]), Is.All.EqualTo(MediaTypes.DockerManifest));
            Assert.That(list["manifests"]!.Select(m => (string?)m["digest"]), Is.EqualTo(set.Images.Select(i => i.Manifest.Digest)));
            Assert.That(list["manifests"]!.Select(m => (string?)m["platform"]!["architecture"]), Is.EqualTo(new[] { "amd64", "arm64" }));
            foreach (var image in set.Images)
            {
                var manifest = InspectRaw($"docker://{registry.Host}/team/docker-list@{image.Manifest.Digest}");
                Assert.That((string?)manifest["mediaType"], Is.EqualTo(MediaTypes.DockerManifest));
                Assert.That((string?)manifest["config"]!["mediaType"], Is.EqualTo(MediaTypes.DockerConfig));
            }
            AssertChose(InspectFor($"docker://{registry.Host}/team/docker-list:1", "arm64", "--override-variant", "v8"), set.Images[1], set.Root.Digest);
            Assert.That(registry.Storage.Tags("team/docker-list"), Is.EqualTo(new[] { "1" }));

            proxy.ClearRequests();
            var second = await new ImagePusher(Connect(), Store).PushAsync(set, proxy.Host, "team/docker-list", new[] { "1" });
            Assert.That(second.AlreadyUpToDate, Is.True, "HEAD finds the manifest list under the tag");
            Assert.That(proxy.Count(r => r.Method != "HEAD" && r.Path.TrimEnd('/') != "/v2"), Is.Zero, string.Join("\n", proxy.Requests));
        }

        [Test]
        public void Layout_and_tarball_of_a_set_are_read_by_skopeo_and_the_layout_pushes_to_the_same_index()
        {
            var set = TwoPlatforms();
            var name = new ImageName("localhost:5000", "team/app", Tags);
            var layout = Path.Combine(Work, "out", "layout");
            var archive = Path.Combine(Work, "out", "image.tar");
            ImageOutputs.Write(set, name, layout, archive, "linux/arm64", Path.Combine(Work, "out", "summary.json"), Store);

            // The layout: skopeo sees the index under each tag, with both platforms.
            foreach (var tag in Tags)
            {
                var raw = Skopeo.InspectRaw($"oci:{layout}:{tag}");
                Assert.That(raw.ExitCode, Is.EqualTo(0), raw.ToString());
                Assert.That(Sha256OfStdout(raw.StdOut), Is.EqualTo(set.Root.Digest));
                var index = JObject.Parse(raw.StdOut);
                Assert.That((string?)index["mediaType"], Is.EqualTo(MediaTypes.OciIndex));
                Assert.That(index["manifests"]!.Select(m => $"{m["platform"]!["os"]}/{m["platform"]!["architecture"]}/{m["platform"]!["variant"]}"),
                    Is.EqualTo(new[] { "linux/amd64/", "linux/arm64/v8" }));
            }
            AssertChose(InspectFor($"oci:{layout}:1.0", "arm64", "--override-variant", "v8"), set.Images[1], set.Root.Digest);

            // The tarball: its OCI side is the same index; its docker side is the chosen platform.
            var ociArchive = Skopeo.InspectRaw($"oci-archive:{archive}:latest");
            Assert.That(ociArchive.ExitCode, Is.EqualTo(0), ociArchive.ToString());
            Assert.That(Sha256OfStdout(ociArchive.StdOut), Is.EqualTo(set.Root.Digest));
            var dockerConfig = Skopeo.Run("inspect", "--config", $"docker-archive:{archive}");
            Assert.That(dockerConfig.ExitCode, Is.EqualTo(0), dockerConfig.ToString());
            Assert.That((string?)JObject.Parse(dockerConfig.StdOut)["architecture"], Is.EqualTo("arm64"), "ContainerArchivePlatform=linux/arm64");

            // skopeo pushes the layout's index to a registry unchanged.
            using var registry = RegistryServer.StartAnonymous();
            var push = Skopeo.Run("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", $"oci:{layout}:1.0", $"docker://{registry.Host}/from-layout:1.0");
            Assert.That(push.ExitCode, Is.EqualTo(0), push.ToString());
            Assert.That(registry.Storage.TagDigest("from-layout", "1.0"), Is.EqualTo(set.Root.Digest));
        }

        [Test]
        public void Tarball_of_a_docker_format_set_loads_the_chosen_platform_as_a_docker_archive()
        {
            // skopeo's oci: transport and umoci read only OCI media types, so a Docker-format set is
            // checked through the tarball's docker side, which is what docker/podman load read.
            var set = TwoPlatforms(ImageFormat.Docker);
            var name = new ImageName(null, "app", new[] { "1" });
            var archive = Path.Combine(Work, "d", "image.tar");
            ImageOutputs.Write(set, name, null, archive, "linux-arm64", Path.Combine(Work, "d", "summary.json"), Store);

            var dockerSide = Skopeo.Run("inspect", "--raw", $"docker-archive:{archive}");
            Assert.That(dockerSide.ExitCode, Is.EqualTo(0), dockerSide.ToString());
            Assert.That((string?)JObject.Parse(dockerSide.StdOut)["config"]!["digest"], Is.EqualTo(set.Images[1].Config.Digest));

            var bundle = Path.Combine(Work, "d", "bundle");
            var copy = Skopeo.Run("copy", $"docker-archive:{archive}", $"oci:{Path.Combine(Work, "d", "arm")}:arm");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.ToString());
            var unpack = ToolRunner.Run(Tools.Require("umoci"), new[] { "unpack", "--image", Path.Combine(Work, "d", "arm") + ":arm", bundle });
            Assert.That(unpack.ExitCode, Is.EqualTo(0), unpack.ToString());
            Assert.That(File.ReadAllText(Path.Combine(bundle, "rootfs", "app", "App")), Is.EqualTo(AppHostText("linux-arm64", "v1")));
        }
    }
}
