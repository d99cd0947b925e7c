using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>
    /// A registry base whose cached blobs were lost or damaged: fetched again on the next pin,
    /// unless the pull policy forbids the network, which is then the one case that cannot be rebuilt.
    /// </summary>
    [TestFixture]
    public sealed class CacheRepairTests : ClientFixture
    {
        private static void Damage(string path)
        {
            var bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x20;
            File.WriteAllBytes(path, bytes);
        }

        [Test]
        public async Task Damaged_cached_base_manifest_and_config_are_fetched_again_by_the_pin()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var connections = Connect();
            var baseBuilt = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["base.bin"] = BuiltImages.Noise(10_000, 3) });
            await new ImagePusher(connections, Store).PushAsync(baseBuilt, registry.Host, "base", new[] { "1" });

            var appStore = new OciMsBuild.Core.Cache.BlobStore(Path.Combine(Work, "app-store"));
            var reference = ImageReference.Parse($"{registry.Host}/base:1", "base");
            var pinned = await new RegistryBaseReader(appStore).PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(registry.Host, RegistryAccess.Pull));
            Damage(appStore.PathOf(baseBuilt.Manifest.Digest));
            Damage(appStore.PathOf(baseBuilt.Config.Digest));

            var reader = new RegistryBaseReader(appStore);
            Assert.That(await reader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(registry.Host, RegistryAccess.Pull)), Is.EqualTo(pinned));
            Assert.That(reader.Refetched, Is.EquivalentTo(new[] { baseBuilt.Manifest.Digest, baseBuilt.Config.Digest }));
            var read = reader.ReadFromStore(reference, pinned, BuiltImages.Amd64, reference.ToString());
            Assert.That(read.Layers[0].Digest, Is.EqualTo(baseBuilt.Layers[0].Digest));
            appStore.Verify(baseBuilt.Manifest.Digest);
            appStore.Verify(baseBuilt.Config.Digest);
        }

        [Test]
        public async Task A_lost_base_layer_under_pull_policy_Never_cannot_be_rebuilt_and_says_how_to()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var connections = Connect();
            var baseBuilt = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["base.bin"] = BuiltImages.Noise(10_000, 4) });
            await new ImagePusher(connections, Store).PushAsync(baseBuilt, registry.Host, "base", new[] { "1" });

            var appStore = new OciMsBuild.Core.Cache.BlobStore(Path.Combine(Work, "app-store"));
            var reader = new RegistryBaseReader(appStore);
            var reference = ImageReference.Parse($"{registry.Host}/base:1", "base");
            var pinned = await reader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(registry.Host, RegistryAccess.Pull));
            var app = BuiltImages.Small(appStore, Work, "app", reader.ReadFromStore(reference, pinned, BuiltImages.Amd64, reference.ToString()));

            var e = Assert.ThrowsAsync<OciException>(() => BaseLayerFetcher.EnsureAsync(app, appStore, connections, null, default, PullPolicy.Never))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
            Assert.That(e.Message, Does.Contain(baseBuilt.Layers[0].Digest).And.Contain("cannot be rebuilt").And.Contain("ContainerBaseImagePullPolicy=IfNotPresent"));
            Assert.That(BaseLayerFetcher.Missing(app, appStore), Has.Count.EqualTo(1), "nothing was downloaded");

            Assert.That(await BaseLayerFetcher.EnsureAsync(app, appStore, connections, null, default, PullPolicy.IfNotPresent), Is.EqualTo(1), "the advice works");
        }
    }
}
