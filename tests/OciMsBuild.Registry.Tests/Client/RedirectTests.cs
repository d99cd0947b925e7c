using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>
    /// Hand-scripted Kestrel registries: a blob GET answered with a 307 to blob storage (another host
    /// name, or the same host and port), and a 503 whose Retry-After is an HTTP date.
    /// </summary>
    [TestFixture]
    public sealed class RedirectTests : ClientFixture
    {
        private const string User = "redirect-user";
        private const string Password = "s3cret-Pa55";
        private const string Repository = "team/app";

        private static readonly string ExpectedBasic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));

        /// <summary>What one server saw: path and the Authorization header (null when absent).</summary>
        private sealed record Seen(string Method, string Path, string? Authorization);

        /// <summary>
        /// A registry with Basic auth whose blob GETs are redirected to <c>/storage/DIGEST</c> on
        /// <see cref="StorageBase"/>; it serves <c>/storage/</c> itself too (for the same-origin case),
        /// without asking for credentials, like a storage backend.
        /// </summary>
        private sealed class RedirectingRegistry : IDisposable
        {
            private readonly byte[] _blob;
            private readonly LoopbackHost _host;

            public RedirectingRegistry(byte[] blob)
            {
                _blob = blob;
                _host = LoopbackHost.Start(HandleAsync);
            }

            public ConcurrentQueue<Seen> Requests { get; } = new ConcurrentQueue<Seen>();

            /// <summary>'http://host:port' the 307 points at; defaults to this server itself.</summary>
            public string? StorageBase { get; set; }

            public string Host => _host.Host;
            public int Port => _host.Port;

            private async Task HandleAsync(HttpContext context)
            {
                var path = context.Request.Path.Value ?? "";
                string? auth = context.Request.Headers.Authorization.Count == 0 ? null : context.Request.Headers.Authorization.ToString();
                Requests.Enqueue(new Seen(context.Request.Method, path, auth));
                if (path.StartsWith("/storage/", StringComparison.Ordinal))
                {
                    await Storage.ServeAsync(context, _blob).ConfigureAwait(false);
                    return;
                }
                if (auth != ExpectedBasic)
                {
                    context.Response.StatusCode = 401;
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"test\"";
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}").ConfigureAwait(false);
                    return;
                }
                if (path == "/v2/" || path == "/v2")
                {
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("{}").ConfigureAwait(false);
                    return;
                }
                var prefix = "/v2/" + Repository + "/blobs/";
                if ((HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)) && path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var digest = path.Substring(prefix.Length);
                    context.Response.StatusCode = 307;
                    context.Response.Headers.Location = (StorageBase ?? "http://" + Host) + "/storage/" + digest + "?X-Signature=abc";
                    return;
                }
                context.Response.StatusCode = 404;
            }

            public void Dispose() => _host.Dispose();
        }

        /// <summary>Blob storage: serves whatever bytes it was given under /storage/, recording headers.</summary>
        private sealed class Storage : IDisposable
        {
            private readonly LoopbackHost _host;

            public Storage(byte[] bytes)
            {
                Bytes = bytes;
                _host = LoopbackHost.Start(HandleAsync);
            }

            public byte[] Bytes { get; }
            public ConcurrentQueue<Seen> Requests { get; } = new ConcurrentQueue<Seen>();
            public int Port => _host.Port;

            private async Task HandleAsync(HttpContext context)
            {
                var path = context.Request.Path.Value ?? "";
                string? auth = context.Request.Headers.Authorization.Count == 0 ? null : context.Request.Headers.Authorization.ToString();
                Requests.Enqueue(new Seen(context.Request.Method, path, auth));
                if (!path.StartsWith("/storage/", StringComparison.Ordinal))
                {
                    context.Response.StatusCode = 404;
                    return;
                }
                await ServeAsync(context, Bytes).ConfigureAwait(false);
            }

            public static async Task ServeAsync(HttpContext context, byte[] bytes)
            {
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/octet-stream";
                context.Response.ContentLength = bytes.Length;
                if (!HttpMethods.IsHead(context.Request.Method))
                    await context.Response.Body.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
            }

            public void Dispose() => _host.Dispose();
        }

        private void UsePullCredentials()
        {
            Env["DOTNET_CONTAINER_PULL_REGISTRY_UNAME"] = User;
            Env["DOTNET_CONTAINER_PULL_REGISTRY_PWORD"] = Password;
        }

        private static Descriptor LayerOf(byte[] bytes) =>
            new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = Digest.Of(bytes), Size = bytes.Length };

        [Test]
        public async Task Blob_download_redirected_to_another_host_gets_no_registry_credentials()
        {
            var blob = BuiltImages.Noise(200_000, 11);
            var layer = LayerOf(blob);
            using var storage = new Storage(blob);
            using var registry = new RedirectingRegistry(blob) { StorageBase = "http://localhost:" + storage.Port };
            UsePullCredentials();
            using var connections = Connect();
            var client = connections.Client(registry.Host, RegistryAccess.Pull);

            var done = await client.DownloadBlobAsync(Repository, layer, Store);

            TestContext.Out.WriteLine("registry saw: " + string.Join("; ", registry.Requests.Select(r => $"{r.Method} {r.Path} auth={(r.Authorization == null ? "none" : r.Authorization.Split(' ')[0])}")));
            TestContext.Out.WriteLine("storage saw: " + string.Join("; ", storage.Requests.Select(r => $"{r.Method} {r.Path} auth={(r.Authorization == null ? "none" : r.Authorization.Split(' ')[0])}")));
            Assert.That(done, Is.True);
            Assert.That(Store.Contains(layer.Digest), Is.True, "the blob landed in the store");
            Assert.DoesNotThrow(() => Store.Verify(layer.Digest), "and hashes to its digest");
            Assert.That(File.ReadAllBytes(Store.PathOf(layer.Digest)), Is.EqualTo(blob));

            var blobGets = registry.Requests.Where(r => r.Path == $"/v2/{Repository}/blobs/{layer.Digest}").ToList();
            Assert.That(blobGets, Is.Not.Empty, "the blob GET went to the registry");
            Assert.That(blobGets.Last().Authorization, Is.EqualTo(ExpectedBasic), "the registry got Basic credentials");
            Assert.That(registry.Requests.Any(r => r.Path.StartsWith("/storage/", StringComparison.Ordinal)), Is.False, "the registry did not serve the blob itself");
            Assert.That(storage.Requests.Count, Is.EqualTo(1), "one GET at the storage host");
            Assert.That(storage.Requests.Single().Path, Is.EqualTo("/storage/" + layer.Digest));
            Assert.That(storage.Requests.Single().Authorization, Is.Null, "no registry credentials went to another host");
        }

        [Test]
        public async Task Redirect_to_the_same_host_and_port_keeps_the_Authorization_header()
        {
            var blob = BuiltImages.Noise(50_000, 12);
            var layer = LayerOf(blob);
            using var registry = new RedirectingRegistry(blob); // the 307 points at http://127.0.0.1:PORT/storage/…
            UsePullCredentials();
            using var connections = Connect();
            var client = connections.Client(registry.Host, RegistryAccess.Pull);

            await client.DownloadBlobAsync(Repository, layer, Store);

            TestContext.Out.WriteLine("registry saw: " + string.Join("; ", registry.Requests.Select(r => $"{r.Method} {r.Path} auth={(r.Authorization == null ? "none" : r.Authorization.Split(' ')[0])}")));
            Assert.That(Store.Contains(layer.Digest), Is.True);
            Assert.DoesNotThrow(() => Store.Verify(layer.Digest));
            var storageGets = registry.Requests.Where(r => r.Path.StartsWith("/storage/", StringComparison.Ordinal)).ToList();
            Assert.That(storageGets.Count, Is.EqualTo(1));
            Assert.That(storageGets[0].Authorization, Is.EqualTo(ExpectedBasic), "same origin: the credentials follow the redirect");
        }

        [Test]
        public void Storage_serving_wrong_bytes_is_OCI2009_and_nothing_is_stored()
        {
            var blob = BuiltImages.Noise(100_000, 13);
            var layer = LayerOf(blob);
            var wrong = BuiltImages.Noise(100_000, 14);
            Assert.That(Digest.Of(wrong), Is.Not.EqualTo(layer.Digest));
            using var storage = new Storage(wrong);
            using var registry = new RedirectingRegistry(blob) { StorageBase = "http://localhost:" + storage.Port };
            UsePullCredentials();
            using var connections = Connect();
            var client = connections.Client(registry.Host, RegistryAccess.Pull);

            var e = Assert.ThrowsAsync<OciException>(() => client.DownloadBlobAsync(Repository, layer, Store))!;

            TestContext.Out.WriteLine(e.Message);
            TestContext.Out.WriteLine($"storage GETs: {storage.Requests.Count}");
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryDigestMismatch));
            Assert.That(e.Message, Does.Contain(layer.Digest));
            Assert.That(Store.Contains(layer.Digest), Is.False, "a blob with the wrong content never becomes visible");
            Assert.That(Store.Contains(Digest.Of(wrong)), Is.False, "nor under the digest of what was sent");
            Assert.That(storage.Requests.All(r => r.Authorization == null), Is.True);
        }

        [Test]
        public async Task Retry_After_given_as_an_HTTP_date_is_honoured()
        {
            var manifest = Encoding.UTF8.GetBytes(
                "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciManifest + "\"," +
                "\"config\":{\"mediaType\":\"" + MediaTypes.OciConfig + "\",\"digest\":\"sha256:" + new string('a', 64) + "\",\"size\":2}," +
                "\"layers\":[]}");
            var digest = Digest.Of(manifest);
            int manifestGets = 0;
            var times = new ConcurrentQueue<(int Attempt, DateTimeOffset At, string? RetryAfter)>();
            using var registry = LoopbackHost.Start(async context =>
            {
                var path = context.Request.Path.Value ?? "";
                if (path == "/v2/" || path == "/v2")
                {
                    context.Response.StatusCode = 200;
                    return;
                }
                if (path == $"/v2/{Repository}/manifests/1" && HttpMethods.IsGet(context.Request.Method))
                {
                    var attempt = Interlocked.Increment(ref manifestGets);
                    if (attempt == 1)
                    {
                        // Whole seconds only: this is at least 1 s and at most 2 s ahead.
                        var now = DateTimeOffset.UtcNow;
                        var at = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddSeconds(2);
                        var header = at.ToString("r", CultureInfo.InvariantCulture);
                        times.Enqueue((attempt, now, header));
                        context.Response.StatusCode = 503;
                        context.Response.Headers.RetryAfter = header;
                        context.Response.ContentType = "application/json";
                        await context.Response.WriteAsync("{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try later\"}]}");
                        return;
                    }
                    times.Enqueue((attempt, DateTimeOffset.UtcNow, null));
                    context.Response.StatusCode = 200;
                    context.Response.ContentType = MediaTypes.OciManifest;
                    context.Response.Headers["Docker-Content-Digest"] = digest;
                    context.Response.ContentLength = manifest.Length;
                    await context.Response.Body.WriteAsync(manifest, 0, manifest.Length);
                    return;
                }
                context.Response.StatusCode = 404;
            });
            var options = new RegistryOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryAfter = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(30) };
            using var connections = Connect(options);
            var client = connections.Client(registry.Host, RegistryAccess.Pull);
            await client.Session.BaseUriAsync(CancellationToken.None); // the ping, so the clock times only the manifest GETs
            var retriesBefore = client.Session.Retry.RetriesMade;
            var clock = Stopwatch.StartNew();

            var result = await client.GetManifestAsync(Repository, "1");

            clock.Stop();
            var seen = times.ToArray();
            TestContext.Out.WriteLine($"{clock.Elapsed.TotalSeconds:0.000} s; " + string.Join("; ", seen.Select(t => $"#{t.Attempt} at {t.At:HH:mm:ss.fff} Retry-After: {t.RetryAfter ?? "-"}")));
            TestContext.Out.WriteLine(AllLog);
            Assert.That(result.Digest, Is.EqualTo(digest));
            Assert.That(result.Bytes, Is.EqualTo(manifest));
            Assert.That(result.MediaType, Is.EqualTo(MediaTypes.OciManifest));
            Assert.That(manifestGets, Is.EqualTo(2), "one 503, then the manifest");
            Assert.That(retriesBefore, Is.Zero, "the ping was not retried");
            Assert.That(client.Session.Retry.RetriesMade, Is.EqualTo(1));
            var gap = seen[1].At - seen[0].At;
            // The base delay is 10 ms: only the Retry-After date can make the client wait about a second.
            Assert.That(gap.TotalSeconds, Is.GreaterThanOrEqualTo(0.9), "the retry waited for the Retry-After date");
            Assert.That(clock.Elapsed.TotalSeconds, Is.GreaterThanOrEqualTo(0.9));
            Assert.That(gap.TotalSeconds, Is.LessThan(4.5), "and not much longer (the date is at most 2 s ahead)");
            Assert.That(AllLog, Does.Contain("HTTP 503"));
        }
    }
}
