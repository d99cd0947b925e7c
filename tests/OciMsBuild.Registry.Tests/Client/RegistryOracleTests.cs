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
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Sources;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>
    /// The registry as the oracle: blobs mounted from where they were last pushed, a clean CI runner that
    /// rebuilds an image the registry has sends no blob and no manifest, a refused or 202-answered mount
    /// falls back to an upload, and one token per scope when base resolution and push share connections.
    /// Every request is counted by a proxy in front of a real docker-registry.
    /// </summary>
    [TestFixture]
    public sealed class RegistryOracleTests : ClientFixture
    {
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

        /// <summary>An app over a "runtime" layer every app of these tests shares (same bytes, same digest), then its own app layer.</summary>
        private BuiltImage App(BlobStore store, string name, Platform? platform = null)
        {
            platform ??= BuiltImages.Amd64;
            var rid = platform.Architecture == "arm64" ? "linux-arm64" : "linux-x64";
            var runtime = Pack(store, Work, LayerKind.Runtime, new Dictionary<string, byte[]> { ["libcoreclr.so"] = BuiltImages.Noise(400_000, 7) });
            var app = Pack(store, Work, LayerKind.App, new Dictionary<string, byte[]> { [name + ".dll"] = Encoding.UTF8.GetBytes(name + " for " + rid) });
            var settings = new ContainerSettings { WorkingDirectory = "/app", AppCommand = new List<string> { "/app/" + name } };
            return ImageBuilder.Build(BaseImage.Scratch(platform), new[] { runtime, app }, settings, ImageFormat.Oci, rid, platform,
                DateTimeOffset.FromUnixTimeSeconds(0), store);
        }

        private static bool Names(ProxiedRequest r, string digest) =>
            Uri.UnescapeDataString(r.PathAndQuery).Contains(digest, StringComparison.Ordinal);

        private static bool IsMount(ProxiedRequest r, string digest, string from) =>
            r.Method == "POST" && r.PathAndQuery.Contains("mount=") && Names(r, digest) && r.PathAndQuery.Contains("from=" + Uri.EscapeDataString(from));

        /// <summary>Bytes sent by PATCH or PUT to an upload session: blob uploads.</summary>
        private static bool IsUploadWrite(ProxiedRequest r) => (r.Method == "PATCH" || r.Method == "PUT") && r.IsBlobUpload;

        private static void Print(string what, FaultProxy proxy) =>
            TestContext.Out.WriteLine($"{what}: {proxy.Requests.Count} requests, {proxy.Requests.Sum(r => r.RequestBodyBytes)} bytes up\n  "
                + string.Join("\n  ", proxy.Requests.Select(r => r.ToString())));

        [Test]
        public async Task A_layer_pushed_to_one_repository_is_mounted_into_another_not_uploaded_again()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var first = App(Store, "First");
            using (var connections = Connect())
                await new ImagePusher(connections, Store).PushAsync(first, proxy.Host, "apps/first", new[] { "1" });
            var runtime = first.Layers[0].Digest;
            var record = Path.Combine(Store.Root, "pushed", proxy.Host.Replace(':', '_'), Digest.Hex(runtime) + ".json");
            Assert.That(File.Exists(record), Is.True, "the upload was recorded beside the blob store: " + record);
            Assert.That(new PushedBlobs(Store).RepositoryOf(proxy.Host, runtime), Is.EqualTo("apps/first"));

            // Another project, another repository, the same runtime layer; a new build (new connections).
            var second = App(Store, "Second");
            Assert.That(second.Layers[0].Digest, Is.EqualTo(runtime), "precondition: the runtime layer is shared");
            proxy.ClearRequests();
            PushResult result;
            using (var connections = Connect())
                result = await new ImagePusher(connections, Store).PushAsync(second, proxy.Host, "apps/second", new[] { "1" });
            Print("second repository", proxy);

            Assert.That(result.BlobsMounted, Is.EqualTo(1), "the runtime layer");
            Assert.That(result.BlobsUploaded, Is.EqualTo(2), "only the app layer and the config");
            Assert.That(proxy.Count(r => IsMount(r, runtime, "apps/first") && r.Status == 201), Is.EqualTo(1), "mounted from where it was pushed");
            Assert.That(proxy.Count(r => IsUploadWrite(r) && Names(r, runtime)), Is.Zero, "no PATCH/PUT of the runtime layer");
            Assert.That(proxy.Requests.Where(IsUploadWrite).Sum(r => r.RequestBodyBytes), Is.LessThan(100_000), "the 400 KB runtime layer never went up again");
            Assert.That(registry.Storage.RepositoryHasLayerLink("apps/second", runtime), Is.True);
            Assert.That(new PushedBlobs(Store).RepositoryOf(proxy.Host, runtime), Is.EqualTo("apps/second"), "the mount is recorded as the last place");
            var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/apps/second:1", $"oci:{Path.Combine(Work, "second")}:1");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.StdErr);
        }

        [Test]
        public async Task A_clean_CI_runner_rebuilding_a_pushed_image_uploads_no_blob_and_puts_no_manifest()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = App(Store, "Ci");
            using (var connections = Connect())
                await new ImagePusher(connections, Store).PushAsync(image, proxy.Host, "team/ci", new[] { "1.0", "latest" });

            // A clean runner: no obj/, an empty blob store (no pushed/ record either), the same sources.
            var ciStore = new BlobStore(Path.Combine(Work, "ci-store"));
            var rebuilt = App(ciStore, "Ci");
            Assert.That(rebuilt.Manifest.Digest, Is.EqualTo(image.Manifest.Digest), "precondition: a reproducible build");

            proxy.ClearRequests();
            PushResult same;
            using (var connections = Connect())
                same = await new ImagePusher(connections, ciStore).PushAsync(rebuilt, proxy.Host, "team/ci", new[] { "1.0", "latest" });
            Print("clean CI, same tags", proxy);
            Assert.That(same.AlreadyUpToDate, Is.True);
            Assert.That(proxy.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero, "no blob request at all");
            Assert.That(proxy.Count(r => r.Method == "PUT"), Is.Zero, "no manifest PUT");
            Assert.That(proxy.Requests.Sum(r => r.RequestBodyBytes), Is.Zero);

            // The runner adds its build number: only that tag is put; the blobs and the manifest stay untouched.
            proxy.ClearRequests();
            PushResult tagged;
            using (var connections = Connect())
                tagged = await new ImagePusher(connections, ciStore).PushAsync(rebuilt, proxy.Host, "team/ci", new[] { "1.0", "build-42" });
            Print("clean CI, one new tag", proxy);
            Assert.That(tagged.ManifestPresent, Is.True);
            Assert.That(tagged.BlobsUploaded + tagged.BlobsMounted + tagged.BlobsPresent, Is.Zero, "no blob was even asked about");
            Assert.That(proxy.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero);
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsManifest), Is.EqualTo(1), "one PUT: the new tag");
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/build-42")), Is.EqualTo(1));

            // Only new tags: the manifest is found by digest (one HEAD), then tagged.
            proxy.ClearRequests();
            using (var connections = Connect())
                await new ImagePusher(connections, ciStore).PushAsync(rebuilt, proxy.Host, "team/ci", new[] { "build-43" });
            Print("clean CI, only a new tag", proxy);
            Assert.That(proxy.Count(r => r.Method == "HEAD" && r.IsManifest && Names(r, image.Manifest.Digest)), Is.EqualTo(1), "HEAD by digest");
            Assert.That(proxy.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero);
            Assert.That(proxy.Count(r => r.Method == "PUT"), Is.EqualTo(1));

            foreach (var tag in new[] { "1.0", "latest", "build-42", "build-43" })
                Assert.That(registry.Storage.TagDigest("team/ci", tag), Is.EqualTo(image.Manifest.Digest), tag);
            Assert.That(new PushedBlobs(ciStore).RepositoryOf(proxy.Host, image.Layers[0].Digest), Is.EqualTo("team/ci"), "the HEAD hit is remembered");
        }

        [Test]
        public async Task A_clean_CI_runner_rebuilding_a_pushed_index_puts_neither_platform_manifests_nor_the_index()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            ImageSet Build(BlobStore store) => IndexBuilder.Build(new[] { App(store, "Multi", BuiltImages.Amd64), App(store, "Multi", BuiltImages.Arm64) },
                ImageFormat.Oci, new Dictionary<string, string>(), store);
            var set = Build(Store);
            using (var connections = Connect())
                await new ImagePusher(connections, Store).PushAsync(set, proxy.Host, "team/multi", new[] { "1.0" });

            var ciStore = new BlobStore(Path.Combine(Work, "ci-store"));
            var rebuilt = Build(ciStore);
            Assert.That(rebuilt.Root.Digest, Is.EqualTo(set.Root.Digest), "precondition: a reproducible index");
            proxy.ClearRequests();
            PushResult result;
            using (var connections = Connect())
                result = await new ImagePusher(connections, ciStore).PushAsync(rebuilt, proxy.Host, "team/multi", new[] { "1.0", "build-7" });
            Print("clean CI index, one new tag", proxy);
            Assert.That(result.ManifestPresent, Is.True);
            Assert.That(proxy.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero);
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsManifest), Is.EqualTo(1), "only the index under the new tag");
            foreach (var image in set.Images)
                Assert.That(proxy.Count(r => r.IsManifest && Names(r, image.Manifest.Digest)), Is.Zero, "platform manifest " + image.Platform);
            Assert.That(registry.Storage.TagDigest("team/multi", "build-7"), Is.EqualTo(set.Root.Digest));

            // A one-platform change: the unchanged platform's manifest is found by HEAD, not put again.
            proxy.ClearRequests();
            var changed = IndexBuilder.Build(new[] { set.Images[0], App(ciStore, "Changed", BuiltImages.Arm64) }, ImageFormat.Oci, new Dictionary<string, string>(), ciStore);
            using (var connections = Connect())
                await new ImagePusher(connections, ciStore).PushAsync(changed, proxy.Host, "team/multi", new[] { "2.0" });
            Print("index, one platform changed", proxy);
            Assert.That(proxy.Count(r => r.Method == "HEAD" && r.IsManifest && Names(r, set.Images[0].Manifest.Digest)), Is.EqualTo(1));
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsManifest && Names(r, set.Images[0].Manifest.Digest)), Is.Zero, "unchanged platform not put again");
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsManifest && Names(r, changed.Images[1].Manifest.Digest)), Is.EqualTo(1));
            var inspect = Skopeo.InspectRaw($"docker://{registry.Host}/team/multi:2.0", "--tls-verify=false");
            Assert.That(inspect.ExitCode, Is.EqualTo(0), inspect.ToString());
        }

        [Test]
        public async Task A_remembered_repository_that_was_deleted_answers_the_mount_with_202_and_the_blob_goes_up_in_that_session()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var first = App(Store, "Gone");
            using (var connections = Connect())
                await new ImagePusher(connections, Store).PushAsync(first, proxy.Host, "apps/gone", new[] { "1" });
            var runtime = first.Layers[0].Digest;
            // The repository is deleted (as a registry's UI or retention policy would); the blob data stays in storage.
            Directory.Delete(Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "repositories", "apps", "gone"), true);

            proxy.ClearRequests();
            PushResult result;
            using (var connections = Connect())
                result = await new ImagePusher(connections, Store).PushAsync(App(Store, "Next"), proxy.Host, "apps/next", new[] { "1" });
            Print("remembered repository deleted", proxy);
            var mount = proxy.Requests.Single(r => IsMount(r, runtime, "apps/gone"));
            Assert.That(mount.Status, Is.EqualTo(202), "the registry opened an upload instead");
            var session = new Uri(mount.ResponseLocation!).AbsolutePath;
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsBlobUpload && r.Path == session && Names(r, runtime) && r.Status == 201), Is.EqualTo(1),
                "the runtime layer went up into the session the mount opened");
            Assert.That(proxy.Count(r => r.Method == "POST" && r.IsBlobUpload && !r.PathAndQuery.Contains("mount=")), Is.EqualTo(2), "new sessions only for the app layer and config");
            Assert.That(result.BlobsUploaded, Is.EqualTo(3));
            Assert.That(registry.Storage.OpenUploads("apps/next"), Is.Empty, "no session left open");
            Assert.That(new PushedBlobs(Store).RepositoryOf(proxy.Host, runtime), Is.EqualTo("apps/next"));
            var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/apps/next:1", $"oci:{Path.Combine(Work, "next")}:1");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.StdErr);
        }

        [TestCase(403)]
        [TestCase(404)]
        public async Task A_refused_mount_falls_back_to_an_upload(int status)
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var first = App(Store, "Source");
            using (var connections = Connect())
                await new ImagePusher(connections, Store).PushAsync(first, proxy.Host, "apps/source", new[] { "1" });
            proxy.ClearRequests();
            var refused = proxy.Inject(r => r.Method == "POST" && r.PathAndQuery.Contains("mount="), Fault.Status(status), int.MaxValue);
            PushResult result;
            using (var connections = Connect())
                result = await new ImagePusher(connections, Store).PushAsync(App(Store, "Target"), proxy.Host, "apps/target", new[] { "1" });
            Print($"mount refused with {status}", proxy);
            Assert.That(refused.Hits, Is.EqualTo(1), "one mount tried, for the runtime layer");
            Assert.That(result.BlobsUploaded, Is.EqualTo(3));
            Assert.That(proxy.Count(r => r.Method == "PUT" && r.IsBlobUpload && Names(r, first.Layers[0].Digest) && r.Status == 201), Is.EqualTo(1));
            Assert.That(registry.Storage.RepositoryHasLayerLink("apps/target", first.Layers[0].Digest), Is.True);
        }

        [Test]
        public async Task A_torn_or_foreign_record_is_ignored()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = App(Store, "Torn");
            var pushed = new PushedBlobs(Store);
            var folder = Path.Combine(Store.Root, "pushed", proxy.Host.Replace(':', '_'));
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, Digest.Hex(image.Layers[0].Digest) + ".json"), "{\"registry\":\"" + proxy.Host + "\",\"repos");
            File.WriteAllText(Path.Combine(folder, Digest.Hex(image.Layers[1].Digest) + ".json"),
                new JObject { ["registry"] = proxy.Host, ["repository"] = "x?mount=evil&from=y", ["digest"] = image.Layers[1].Digest }.ToString());
            File.WriteAllText(Path.Combine(folder, Digest.Hex(image.Config.Digest) + ".json"),
                new JObject { ["registry"] = "other.example", ["repository"] = "other", ["digest"] = image.Config.Digest }.ToString());
            Assert.That(pushed.RepositoryOf(proxy.Host, image.Layers[0].Digest), Is.Null, "torn");
            Assert.That(pushed.RepositoryOf(proxy.Host, image.Layers[1].Digest), Is.Null, "not a repository name");
            Assert.That(pushed.RepositoryOf(proxy.Host, image.Config.Digest), Is.Null, "another registry's");

            using (var connections = Connect())
                await new ImagePusher(connections, Store).PushAsync(image, proxy.Host, "apps/torn", new[] { "1" });
            Assert.That(proxy.Count(r => r.PathAndQuery.Contains("mount=")), Is.Zero);
            Assert.That(pushed.RepositoryOf(proxy.Host, image.Layers[0].Digest), Is.EqualTo("apps/torn"), "rewritten whole");
            Assert.That(Directory.GetFiles(Path.Combine(Store.Root, "tmp")), Is.Empty, "no temp file left");
        }

        [Test]
        public async Task Base_resolution_and_push_sharing_connections_fetch_one_token_per_scope_and_ping_once()
        {
            const string user = "builder", password = "s3cret-Pa55-for-tests";
            using var tokens = TokenServer.Start(user, password);
            using var registry = RegistryServer.StartToken(tokens);
            using var proxy = FaultProxy.Start(registry.Host);
            var dir = Path.Combine(Work, "docker");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), new JObject { ["auths"] = new JObject { [proxy.Host] = new JObject
            {
                ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)),
            } } }.ToString());
            Env["DOCKER_CONFIG"] = dir;
            var baseImage = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["base.bin"] = BuiltImages.Noise(100_000, 3) });
            using (var setup = Connect())
                await new ImagePusher(setup, Store).PushAsync(baseImage, proxy.Host, "base/runtime", new[] { "1" });
            tokens.Reset();
            proxy.ClearRequests();

            // One build: the base resolved for two RIDs, then the app pushed, all on one RegistryConnections.
            using var shared = Connect();
            var reader = new RegistryBaseReader(Store);
            var reference = OciMsBuild.Core.References.ImageReference.Parse($"{proxy.Host}/base/runtime:1", "base");
            string pinned = "";
            for (int rid = 0; rid < 2; rid++)
                pinned = await reader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => shared.Client(proxy.Host, OciMsBuild.Core.Auth.RegistryAccess.Pull));
            var app = BuiltImages.Small(Store, Work, "app", reader.ReadFromStore(reference, pinned, BuiltImages.Amd64, reference.ToString()));
            var result = await new ImagePusher(shared, Store).PushAsync(app, proxy.Host, "apps/web", new[] { "1", "latest" });
            Print("resolve x2 + push, shared", proxy);
            TestContext.Out.WriteLine("token requests:\n  " + string.Join("\n  ", tokens.Requests));

            Assert.That(result.BlobsMounted, Is.EqualTo(1), "the base layer");
            var byScope = tokens.Requests.GroupBy(r => string.Join(" ", r.Scopes.OrderBy(s => s, StringComparer.Ordinal))).ToList();
            Assert.That(byScope.Select(g => g.Count()), Is.All.EqualTo(1), "one token per scope set");
            Assert.That(byScope.Select(g => g.Key), Is.EquivalentTo(new[]
            {
                "repository:base/runtime:pull",
                "repository:apps/web:pull,push",
                "repository:apps/web:pull,push repository:base/runtime:pull",
            }));
            Assert.That(tokens.Requests.All(r => r.Granted), Is.True);
            Assert.That(proxy.Count(r => r.Path == "/v2/"), Is.EqualTo(1), "one ping for pull and push together");
            Assert.That(proxy.Count(r => r.Status == 401 && r.Path != "/v2/"), Is.Zero, "tokens are fetched before the request, not after a 401");
        }
    }
}
