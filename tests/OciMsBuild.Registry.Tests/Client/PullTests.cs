using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>Base images pulled from the real registry: by tag, by digest, out of an index, offline.</summary>
    [TestFixture]
    public sealed class PullTests : ClientFixture
    {
        /// <summary>Pushes an amd64 and an arm64 image and an OCI index over them as base/multi:1; returns the index digest.</summary>
        private async Task<(string IndexDigest, BuiltImage Amd64, BuiltImage Arm64)> PushIndexAsync(RegistryConnections connections, string host)
        {
            var amd = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["arch"] = System.Text.Encoding.UTF8.GetBytes("amd64") });
            var arm = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["arch"] = System.Text.Encoding.UTF8.GetBytes("arm64") }, platform: BuiltImages.Arm64);
            var pusher = new ImagePusher(connections, Store);
            await pusher.PushAsync(amd, host, "base/multi", new string[0]);
            await pusher.PushAsync(arm, host, "base/multi", new string[0]);
            // The index names arm64 without a variant, as many real indexes do: v8 must still match.
            var armDescriptor = arm.Manifest.Clone();
            armDescriptor.Platform = new Platform("linux", "arm64");
            var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = new List<Descriptor> { amd.Manifest, armDescriptor } };
            var bytes = OciJson.ToBytes(index);
            await connections.Client(host, RegistryAccess.Push).PutManifestAsync("base/multi", "1", bytes, MediaTypes.OciIndex);
            return (Digest.Of(bytes), amd, arm);
        }

        [Test]
        public async Task Index_by_tag_and_by_digest_picks_the_platform_and_a_pinned_digest_never_goes_to_the_network_again()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            using var connections = Connect();
            var (indexDigest, _, arm) = await PushIndexAsync(connections, proxy.Host);
            var pullStore = new OciMsBuild.Core.Cache.BlobStore(System.IO.Path.Combine(Work, "pull-store"));
            var reader = new RegistryBaseReader(pullStore);
            var byTag = ImageReference.Parse($"{proxy.Host}/base/multi:1", "base");

            proxy.ClearRequests();
            var pinned = await reader.PinAsync(byTag, BuiltImages.Arm64, PullPolicy.Always, () => connections.Client(proxy.Host, RegistryAccess.Pull));
            Assert.That(pinned, Is.EqualTo(indexDigest));
            var baseImage = reader.ReadFromStore(byTag, pinned, BuiltImages.Arm64, byTag.ToString());
            Assert.That(baseImage.ManifestDigest, Is.EqualTo(arm.Manifest.Digest));
            Assert.That((string?)baseImage.Config["architecture"], Is.EqualTo("arm64"));
            Assert.That(baseImage.Layers.Select(l => l.Digest), Is.EqualTo(arm.Layers.Select(l => l.Digest)));
            Assert.That(baseImage.Layers.Any(l => pullStore.Contains(l.Digest)), Is.False, "layers are not downloaded to build");
            Assert.That(proxy.Count(r => r.IsBlob && r.Method == "GET"), Is.EqualTo(1), "only the config blob");

            var byDigest = ImageReference.Parse($"{proxy.Host}/base/multi@{indexDigest}", "base");
            var offline = new RegistryBaseReader(pullStore);
            proxy.ClearRequests();
            var again = await offline.PinAsync(byDigest, BuiltImages.Arm64, PullPolicy.Always, () => throw new AssertionException("no connection for a cached digest"));
            Assert.That(again, Is.EqualTo(indexDigest));
            Assert.That(offline.Fetches, Is.Zero);
            Assert.That(proxy.Requests, Is.Empty);
        }

        [Test]
        public async Task Tag_base_offline_fails_clearly_unless_the_cached_digest_is_allowed()
        {
            var registry = RegistryServer.StartAnonymous();
            string host = registry.Host;
            var reference = ImageReference.Parse($"{host}/base/multi:1", "base");
            string indexDigest;
            using (var connections = Connect())
            {
                indexDigest = (await PushIndexAsync(connections, host)).IndexDigest;
                await new RegistryBaseReader(Store).PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(host, RegistryAccess.Pull));
            }
            registry.Dispose(); // the registry is gone: offline

            using (var connections = Connect(FastOptions(o => o.MaxRetries = 1)))
            {
                var e = Assert.ThrowsAsync<OciException>(() => new RegistryBaseReader(Store).PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(host, RegistryAccess.Pull)))!;
                Assert.That(e.Code, Is.EqualTo(ErrorCodes.BaseTagUnresolved));
                Assert.That(e.Message, Does.Contain(indexDigest).And.Contain("ContainerBaseImagePullPolicy=IfNotPresent"));

                var reader = new RegistryBaseReader(Store);
                var cached = await reader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.IfNotPresent, () => connections.Client(host, RegistryAccess.Pull));
                Assert.That(cached, Is.EqualTo(indexDigest));
                Assert.That(reader.Fetches, Is.Zero);

                var never = Assert.ThrowsAsync<OciException>(() => new RegistryBaseReader(Store).PinAsync(ImageReference.Parse($"{host}/other:1", "base"), BuiltImages.Amd64, PullPolicy.Never, () => connections.Client(host, RegistryAccess.Pull)))!;
                Assert.That(never.Code, Is.EqualTo(ErrorCodes.BaseTagUnresolved));
            }
        }

        [Test]
        public async Task Missing_tag_and_missing_platform_are_coded()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var connections = Connect();
            var amd = BuiltImages.Small(Store, Work, "only amd64");
            await new ImagePusher(connections, Store).PushAsync(amd, registry.Host, "single", new[] { "1" });
            var reader = new RegistryBaseReader(Store);

            var noTag = Assert.ThrowsAsync<OciException>(() => reader.PinAsync(ImageReference.Parse($"{registry.Host}/single:2", "base"), BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(registry.Host, RegistryAccess.Pull)))!;
            Assert.That(noTag.Code, Is.EqualTo(ErrorCodes.RegistryNotFound));

            var noArm = Assert.ThrowsAsync<OciException>(async () =>
            {
                var r = ImageReference.Parse($"{registry.Host}/single:1", "base");
                var pinned = await reader.PinAsync(r, BuiltImages.Arm64, PullPolicy.Always, () => connections.Client(registry.Host, RegistryAccess.Pull));
                reader.ReadFromStore(r, pinned, BuiltImages.Arm64, r.ToString());
            })!;
            Assert.That(noArm.Code, Is.EqualTo(ErrorCodes.BasePlatformMissing));
            Assert.That(noArm.Message, Does.Contain("amd64"));
        }

        [Test]
        public async Task Base_layers_are_fetched_only_for_outputs_that_need_them_and_verified()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var connections = Connect();
            var baseBuilt = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["base.bin"] = BuiltImages.Noise(100_000, 9) });
            await new ImagePusher(connections, Store).PushAsync(baseBuilt, registry.Host, "base", new[] { "1" });

            var appStore = new OciMsBuild.Core.Cache.BlobStore(System.IO.Path.Combine(Work, "app-store"));
            var reader = new RegistryBaseReader(appStore);
            var reference = ImageReference.Parse($"{registry.Host}/base:1", "base");
            var pinned = await reader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(registry.Host, RegistryAccess.Pull));
            var app = BuiltImages.Small(appStore, Work, "app", reader.ReadFromStore(reference, pinned, BuiltImages.Amd64, reference.ToString()));
            Assert.That(BaseLayerFetcher.Missing(app, appStore), Has.Count.EqualTo(1));

            Assert.That(await BaseLayerFetcher.EnsureAsync(app, appStore, connections, null), Is.EqualTo(1));
            Assert.That(BaseLayerFetcher.Missing(app, appStore), Is.Empty);
            appStore.Verify(baseBuilt.Layers[0].Digest);
        }
    }
}
