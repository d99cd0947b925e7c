using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>Pushes to a real registry, read back by skopeo and umoci.</summary>
    [TestFixture]
    public sealed class PushTests : ClientFixture
    {
        [Test]
        public async Task Push_is_read_back_by_skopeo_and_umoci_and_a_second_push_uploads_nothing()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["hello.txt"] = System.Text.Encoding.UTF8.GetBytes("hi"), ["big.bin"] = BuiltImages.Noise(300_000, 1) });
            using var connections = Connect();
            var pusher = new ImagePusher(connections, Store);

            var first = await pusher.PushAsync(image, proxy.Host, "team/app", new[] { "1.0", "latest" });
            Assert.That(first.BlobsUploaded, Is.EqualTo(2), "config + one layer");
            Assert.That(first.ManifestDigest, Is.EqualTo(image.Manifest.Digest));

            var raw = Skopeo.Run("inspect", "--raw", "--tls-verify=false", $"docker://{registry.Host}/team/app:1.0");
            Assert.That(raw.ExitCode, Is.EqualTo(0), raw.StdErr);
            Assert.That(JObject.Parse(raw.StdOut)["config"]!["digest"]!.ToString(), Is.EqualTo(image.Config.Digest));
            var layout = Path.Combine(Work, "copied");
            var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/team/app:latest", $"oci:{layout}:latest");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.StdErr);
            var unpack = ToolRunner.Run(Tools.Require("umoci"), new[] { "unpack", "--image", layout + ":latest", Path.Combine(Work, "bundle") });
            Assert.That(unpack.ExitCode, Is.EqualTo(0), unpack.StdErr);
            Assert.That(File.ReadAllText(Path.Combine(Work, "bundle", "rootfs", "app", "hello.txt")), Is.EqualTo("hi"));

            proxy.ClearRequests();
            var second = await new ImagePusher(Connect(), Store).PushAsync(image, proxy.Host, "team/app", new[] { "1.0", "latest" });
            Assert.That(second.AlreadyUpToDate, Is.True);
            Assert.That(second.BlobsUploaded, Is.Zero);
            Assert.That(proxy.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero, "no blob request at all");
            Assert.That(proxy.Requests.Sum(r => r.RequestBodyBytes), Is.Zero, "no bytes uploaded");
            TestContext.Out.WriteLine($"no-change re-push: {proxy.Requests.Count} requests ({string.Join(", ", proxy.Requests.Select(r => r.Method + " " + r.Path))}), {proxy.Requests.Sum(r => r.RequestBodyBytes)} bytes up");
            Assert.That(proxy.Requests.Count, Is.LessThanOrEqualTo(3), "ping + one HEAD per tag");
        }

        [Test]
        public async Task Large_blobs_go_up_in_chunks_and_small_ones_in_one_put()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["big.bin"] = BuiltImages.Noise(700_000, 2) });
            using var connections = Connect(FastOptions(o => o.ChunkSize = 256 * 1024));
            await new ImagePusher(connections, Store).PushAsync(image, proxy.Host, "chunked", new[] { "v1" });
            Assert.That(proxy.Count("PATCH", "/blobs/uploads/"), Is.EqualTo(3), "700 KB in 256 KiB chunks");
            Assert.That(proxy.Count("PUT", "/blobs/uploads/"), Is.EqualTo(2), "one closing PUT for the layer, one monolithic PUT for the config");
            var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/chunked:v1", $"oci:{Path.Combine(Work, "c")}:v1");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.StdErr);
        }

        [Test]
        public async Task Base_in_the_same_registry_is_mounted_not_uploaded()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            using var connections = Connect();
            var baseImage = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["base.bin"] = BuiltImages.Noise(200_000, 3) });
            await new ImagePusher(connections, Store).PushAsync(baseImage, proxy.Host, "base/runtime", new[] { "1" });

            // The app is built over the registry base: pinned, read from the cache, layers never downloaded.
            var reader = new RegistryBaseReader(Store);
            var reference = OciMsBuild.Core.References.ImageReference.Parse($"{proxy.Host}/base/runtime:1", "base");
            var pinned = await reader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, () => connections.Client(proxy.Host, OciMsBuild.Core.Auth.RegistryAccess.Pull));
            var fromRegistry = reader.ReadFromStore(reference, pinned, BuiltImages.Amd64, reference.ToString());
            var app = BuiltImages.Small(Store, Work, "app", fromRegistry);
            Assert.That(app.BaseSource, Is.EqualTo($"{proxy.Host}/base/runtime"));

            proxy.ClearRequests();
            var result = await new ImagePusher(connections, Store).PushAsync(app, proxy.Host, "apps/web", new[] { "1" });
            Assert.That(result.BlobsMounted, Is.EqualTo(1), "the base layer");
            Assert.That(proxy.Count(r => r.Method == "POST" && r.PathAndQuery.Contains("mount=") && r.PathAndQuery.Contains("from=base%2Fruntime") && r.Status == 201), Is.EqualTo(1));
            var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/apps/web:1", $"oci:{Path.Combine(Work, "m")}:1");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.StdErr);
        }

        [Test]
        public void Unknown_host_is_OCI2001_and_fails_fast()
        {
            var image = BuiltImages.Small(Store, Work, "x");
            using var connections = Connect();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, "no-such-registry.invalid:5000", "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnreachable));
            Assert.That(e.Message, Does.Contain("no-such-registry.invalid"));
            Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(20), "a DNS failure is not retried");
        }
    }
}
