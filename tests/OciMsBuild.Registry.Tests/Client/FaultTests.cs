using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>A fault-injecting proxy in front of the real registry: transient faults are retried, permanent ones end coded with nothing tagged.</summary>
    [TestFixture]
    public sealed class FaultTests : ClientFixture
    {
        [Test]
        public async Task Push_survives_500s_a_429_with_Retry_After_and_a_connection_cut_mid_upload()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["big.bin"] = BuiltImages.Noise(600_000, 7) });
            proxy.Inject("HEAD", "/blobs/", Fault.TooManyRequests(1), times: 1);
            proxy.Inject("POST", "/blobs/uploads/", Fault.Status(500), times: 2);
            proxy.Inject("PATCH", "/blobs/uploads/", Fault.CutConnection(100_000), times: 1);
            proxy.Inject("PUT", "/manifests/", Fault.Status(502), times: 1);
            using var connections = Connect(FastOptions(o => o.ChunkSize = 256 * 1024));
            var clock = System.Diagnostics.Stopwatch.StartNew();

            var result = await new ImagePusher(connections, Store).PushAsync(image, proxy.Host, "app", new[] { "1" });

            TestContext.Out.WriteLine($"retries: {result.Retries}, requests: {result.Requests}, {clock.Elapsed.TotalSeconds:0.0} s; faults: {string.Join("; ", proxy.Faulted.Select(r => r.Method + " " + r.Path + " " + r.Fault))}");
            TestContext.Out.WriteLine(AllLog);
            Assert.That(proxy.Faulted.Count, Is.EqualTo(5), "every injected fault was hit");
            Assert.That(result.Retries, Is.GreaterThanOrEqualTo(5));
            Assert.That(AllLog, Does.Contain("retrying"));
            Assert.That(clock.Elapsed.TotalSeconds, Is.GreaterThanOrEqualTo(1), "Retry-After: 1 was honoured");
            var layout = Path.Combine(Work, "back");
            var copy = Skopeo.Run("copy", "--src-tls-verify=false", $"docker://{registry.Host}/app:1", $"oci:{layout}:1");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.StdErr);
            var unpack = ToolRunner.Run(Tools.Require("umoci"), new[] { "unpack", "--image", layout + ":1", Path.Combine(Work, "bundle") });
            Assert.That(unpack.ExitCode, Is.EqualTo(0), unpack.StdErr);
            Assert.That(new FileInfo(Path.Combine(Work, "bundle", "rootfs", "app", "big.bin")).Length, Is.EqualTo(600_000));
        }

        [Test]
        public void A_registry_that_keeps_failing_ends_in_OCI2007_and_nothing_is_tagged()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = BuiltImages.Small(Store, Work, "doomed");
            proxy.Inject("PUT", "/blobs/uploads/", Fault.Status(503), times: int.MaxValue);
            using var connections = Connect(FastOptions(o => o.MaxRetries = 3));
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, proxy.Host, "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnavailable));
            Assert.That(e.Message, Does.Contain("after 3 retries").And.Contain("503"));
            Assert.That(registry.Storage.Tags("app"), Is.Empty, "no tag points at an incomplete image");
            Assert.That(proxy.Count("PUT", "/manifests/"), Is.Zero);
        }

        [Test]
        public void A_manifest_the_registry_rejects_is_OCI2006_with_its_code()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = BuiltImages.Small(Store, Work, "rejected");
            // Drop the config blob upload silently (answer 201 without storing): the registry then refuses the manifest.
            proxy.Inject(r => r.Method == "PUT" && r.IsBlobUpload && r.PathAndQuery.Contains(image.Config.Digest.Replace(":", "%3A")), Fault.Status(201), times: int.MaxValue);
            using var connections = Connect();
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, proxy.Host, "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryError));
            Assert.That(e.Message, Does.Contain("MANIFEST_BLOB_UNKNOWN").Or.Contain("BLOB_UNKNOWN"));
            Assert.That(registry.Storage.Tags("app"), Is.Empty);
        }
    }
}
