using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests
{
    /// <summary>
    /// Proves the registry fixtures work against real tools (docker-registry, skopeo, curl, htpasswd):
    /// if these fail, a failing registry-client test says nothing about the client.
    /// A missing tool throws from the fixture, so the test fails; nothing here is ever skipped.
    /// </summary>
    [TestFixture]
    public sealed class FixtureTests
    {
        // Deliberately fake credentials; they only exist inside these throw-away registries.
        private const string User = "fixture-user";
        private const string Password = "fixture-pass-not-secret";

        private readonly List<IDisposable> _cleanup = new();
        private TempDirectory _work = null!;

        [SetUp]
        public void SetUp() => _work = Track(new TempDirectory("ocimsbuild-fixture-test"));

        [TearDown]
        public void TearDown()
        {
            // Reverse order: proxies before the registries they front, registries before token servers.
            for (var i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
            _cleanup.Clear();
        }

        private T Track<T>(T disposable) where T : IDisposable
        {
            _cleanup.Add(disposable);
            return disposable;
        }

        private TestImage NewImage(string tag = "v1", int layerSize = 2048) =>
            TestImage.Create(_work.Combine("layout-" + Guid.NewGuid().ToString("N").Substring(0, 6)), tag, layerCount: 2, layerSize: layerSize);

        private static HttpClient NewHttpClient(HttpMessageHandler? handler = null) =>
            new(handler ?? new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

        private static void AssertOk(ToolResult result, string what) =>
            Assert.That(result.ExitCode, Is.EqualTo(0), $"{what}\n{result}");

        private static void AssertFailed(ToolResult result, string what) =>
            Assert.That(result.ExitCode, Is.Not.EqualTo(0), $"{what} should have failed\n{result}");

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Anonymous_registry_takes_a_skopeo_push_and_storage_shows_the_blobs()
        {
            var registry = Track(RegistryServer.StartAnonymous());
            var image = NewImage();

            AssertOk(Skopeo.Copy(image.OciReference, $"docker://{registry.Host}/fixtures/anon/hello:v1", "--dest-tls-verify=false"), "push");

            var raw = Skopeo.InspectRaw($"docker://{registry.Host}/fixtures/anon/hello:v1", "--tls-verify=false");
            AssertOk(raw, "inspect --raw");
            Assert.That(raw.StdOut.Trim(), Is.EqualTo(File.ReadAllText(image.BlobPath(image.Digest))), "the manifest is pushed byte for byte");
            foreach (var blob in image.AllBlobDigests)
                Assert.That(registry.BlobExists(blob), Is.True, blob);
            Assert.That(registry.Storage.Repositories(), Does.Contain("fixtures/anon/hello"));
            Assert.That(registry.Storage.Tags("fixtures/anon/hello"), Is.EqualTo(new[] { "v1" }));
            Assert.That(registry.Storage.TagDigest("fixtures/anon/hello", "v1"), Is.EqualTo(image.Digest));
            Assert.That(registry.Log, Does.Contain("/v2/"), "the registry log is captured");
        }

        [Test]
        public void Multi_platform_test_image_pushes_as_an_index_with_amd64_and_arm64_v8()
        {
            var registry = Track(RegistryServer.StartAnonymous());
            var image = TestImage.CreateMultiPlatform(_work.Combine("multi"), "multi");

            AssertOk(Skopeo.Copy(image.OciReference, $"docker://{registry.Host}/fixtures/multi:multi", "--all", "--dest-tls-verify=false"), "push --all");

            var raw = Skopeo.InspectRaw($"docker://{registry.Host}/fixtures/multi:multi", "--tls-verify=false");
            AssertOk(raw, "inspect --raw");
            var index = JsonNode.Parse(raw.StdOut)!;
            Assert.That(index["mediaType"]!.GetValue<string>(), Is.EqualTo(TestImage.IndexMediaType));
            var platforms = index["manifests"]!.AsArray().Select(m => m!["platform"]!["architecture"] + "/" + m["platform"]!["variant"]).ToList();
            Assert.That(platforms, Is.EqualTo(new[] { "amd64/", "arm64/v8" }));
            foreach (var blob in image.AllBlobDigests)
                Assert.That(registry.BlobExists(blob), Is.True, blob);
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Basic_auth_registry_accepts_the_right_password_only()
        {
            var registry = Track(RegistryServer.StartBasic(User, Password));
            var image = NewImage();
            var target = $"docker://{registry.Host}/fixtures/basic:v1";

            AssertFailed(Skopeo.Copy(image.OciReference, target, "--dest-tls-verify=false", $"--dest-creds={User}:wrong-password"), "push with a wrong password");
            AssertFailed(Skopeo.Copy(image.OciReference, target, "--dest-tls-verify=false"), "push without credentials");
            AssertOk(Skopeo.Copy(image.OciReference, target, "--dest-tls-verify=false", $"--dest-creds={User}:{Password}"), "push with the right password");
            Assert.That(registry.Storage.TagDigest("fixtures/basic", "v1"), Is.EqualTo(image.Digest));

            using var client = NewHttpClient();
            using var response = client.GetAsync(new Uri(registry.BaseUri, "/v2/")).GetAwaiter().GetResult();
            Assert.That((int)response.StatusCode, Is.EqualTo(401));
            Assert.That(response.Headers.WwwAuthenticate.ToString(), Does.StartWith("Basic realm="));
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Token_registry_push_goes_through_the_token_server()
        {
            var tokens = Track(TokenServer.Start(User, Password));
            var registry = Track(RegistryServer.StartToken(tokens));
            var image = NewImage();
            var target = $"docker://{registry.Host}/fixtures/token/app:v1";

            AssertOk(Skopeo.Copy(image.OciReference, target, "--dest-tls-verify=false", $"--dest-creds={User}:{Password}"), "push with the right password");
            var grants = tokens.Requests.Where(r => r.Granted && r.User == User).ToList();
            Assert.That(grants.SelectMany(g => g.GrantedAccess).Any(a => a.Name == "fixtures/token/app" && a.Actions.Contains("push")), Is.True,
                "a token with push on the repository was issued:\n" + string.Join("\n", tokens.Requests));
            Assert.That(registry.Storage.TagDigest("fixtures/token/app", "v1"), Is.EqualTo(image.Digest));

            tokens.Reset();
            AssertFailed(Skopeo.Copy(image.OciReference, $"docker://{registry.Host}/fixtures/token/app:v2", "--dest-tls-verify=false", $"--dest-creds={User}:wrong"), "push with a wrong password");
            Assert.That(tokens.Requests.Any(r => !r.Granted && r.Status == 401 && r.User == User), Is.True, string.Join("\n", tokens.Requests));
            Assert.That(string.Join("\n", tokens.Requests), Does.Not.Contain("wrong"), "the log never holds a password");

            // Anonymous: the token server hands out a token with an empty access list; the registry refuses it.
            tokens.Reset();
            AssertFailed(Skopeo.InspectRaw(target, "--tls-verify=false"), "anonymous pull");
            var anonymous = tokens.Requests.Where(r => r.GrantType == "anonymous").ToList();
            Assert.That(anonymous, Is.Not.Empty, string.Join("\n", tokens.Requests));
            Assert.That(anonymous.All(r => r.Granted && r.GrantedAccess.Count == 0), Is.True);
        }

        [Test]
        public void Token_server_speaks_basic_GET_OAuth2_password_and_refresh_token_and_the_registry_checks_the_access()
        {
            var tokens = Track(TokenServer.Start(User, Password));
            var registry = Track(RegistryServer.StartToken(tokens));
            AssertOk(Skopeo.Copy(NewImage().OciReference, $"docker://{registry.Host}/fixtures/oauth:v1", "--dest-tls-verify=false", $"--dest-creds={User}:{Password}"), "push");
            using var client = NewHttpClient();
            var manifestUri = new Uri(registry.BaseUri, "/v2/fixtures/oauth/manifests/v1");

            // The challenge names the realm, service and scope.
            using (var challenge = client.GetAsync(manifestUri).GetAwaiter().GetResult())
            {
                Assert.That((int)challenge.StatusCode, Is.EqualTo(401));
                var www = challenge.Headers.WwwAuthenticate.ToString();
                Assert.That(www, Does.Contain($"realm=\"{tokens.Realm}\"").And.Contain($"service=\"{tokens.Service}\"").And.Contain("scope=\"repository:fixtures/oauth:pull\""));
            }

            // OAuth2 password grant with access_type=offline: a token and a refresh token.
            var post = PostToken(client, tokens, ("grant_type", "password"), ("username", User), ("password", Password),
                ("service", tokens.Service), ("scope", "repository:fixtures/oauth:pull"), ("access_type", "offline"), ("client_id", "fixture-tests"));
            Assert.That(post.Status, Is.EqualTo(200));
            Assert.That(post.Body!["refresh_token"]!.GetValue<string>(), Is.EqualTo(tokens.RefreshToken));
            Assert.That(post.Body["expires_in"]!.GetValue<int>(), Is.EqualTo(300));
            var claims = TokenSigner.DecodeClaims(post.Body["access_token"]!.GetValue<string>());
            Assert.That(claims["aud"]!.GetValue<string>(), Is.EqualTo(tokens.Service));
            Assert.That(claims["access"]!.ToJsonString(), Is.EqualTo("[{\"type\":\"repository\",\"name\":\"fixtures/oauth\",\"actions\":[\"pull\"]}]"));
            Assert.That(GetWithBearer(client, manifestUri, post.Body["access_token"]!.GetValue<string>()), Is.EqualTo(200), "the registry accepts the signed token");

            // Refresh-token grant; a wrong refresh token or password is 401; no refresh token without offline.
            var refreshed = PostToken(client, tokens, ("grant_type", "refresh_token"), ("refresh_token", tokens.RefreshToken),
                ("service", tokens.Service), ("scope", "repository:fixtures/oauth:pull"));
            Assert.That(refreshed.Status, Is.EqualTo(200));
            Assert.That(refreshed.Body!["refresh_token"], Is.Null);
            Assert.That(GetWithBearer(client, manifestUri, refreshed.Body["token"]!.GetValue<string>()), Is.EqualTo(200));
            Assert.That(PostToken(client, tokens, ("grant_type", "refresh_token"), ("refresh_token", "not-the-token"), ("service", tokens.Service)).Status, Is.EqualTo(401));
            Assert.That(PostToken(client, tokens, ("grant_type", "password"), ("username", User), ("password", "nope"), ("service", tokens.Service)).Status, Is.EqualTo(401));

            // Anonymous GET: a token, but with no access: the registry answers 401 to it.
            using (var anon = client.GetAsync(tokens.Realm + "?service=" + tokens.Service + "&scope=repository:fixtures/oauth:pull").GetAwaiter().GetResult())
            {
                Assert.That((int)anon.StatusCode, Is.EqualTo(200));
                var token = JsonNode.Parse(anon.Content.ReadAsStringAsync().GetAwaiter().GetResult())!["token"]!.GetValue<string>();
                Assert.That(TokenSigner.DecodeClaims(token)["access"]!.AsArray(), Is.Empty);
                using var request = new HttpRequestMessage(HttpMethod.Get, manifestUri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var refused = client.SendAsync(request).GetAwaiter().GetResult();
                var www = refused.Headers.WwwAuthenticate.ToString();
                var body = refused.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                TestContext.Out.WriteLine($"anonymous token -> {(int)refused.StatusCode} WWW-Authenticate: {www}\n{body}");
                Assert.That((int)refused.StatusCode, Is.EqualTo(401));
                Assert.That(www, Does.Contain("error=\"insufficient_scope\"").And.Contain("scope=\"repository:fixtures/oauth:pull\""));
                Assert.That(body, Does.Contain("\"code\":\"UNAUTHORIZED\""));
            }

            // A pull-only policy: the registry refuses to start an upload with that token.
            tokens.AccessPolicy = (user, requested) => user == null ? Array.Empty<TokenAccess>() : requested.Select(a => a.Only("pull")).ToList();
            var pullOnly = PostToken(client, tokens, ("grant_type", "password"), ("username", User), ("password", Password),
                ("service", tokens.Service), ("scope", "repository:fixtures/oauth:pull,push"));
            using var upload = new HttpRequestMessage(HttpMethod.Post, new Uri(registry.BaseUri, "/v2/fixtures/oauth/blobs/uploads/"));
            upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", pullOnly.Body!["token"]!.GetValue<string>());
            using var denied = client.SendAsync(upload).GetAwaiter().GetResult();
            Assert.That((int)denied.StatusCode, Is.EqualTo(401));

            var log = string.Join("\n", tokens.Requests);
            Assert.That(log, Does.Not.Contain(Password).And.Not.Contain(tokens.RefreshToken), "no secret in the request log");
            Assert.That(tokens.Requests.Select(r => r.GrantType), Does.Contain("password").And.Contain("refresh_token").And.Contain("anonymous"));
        }

        private static (int Status, JsonNode? Body) PostToken(HttpClient client, TokenServer tokens, params (string, string)[] form)
        {
            using var content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
            using var response = client.PostAsync(tokens.Realm, content).GetAwaiter().GetResult();
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            return ((int)response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
        }

        private static int GetWithBearer(HttpClient client, Uri uri, string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.ParseAdd(TestImage.ManifestMediaType);
            using var response = client.SendAsync(request).GetAwaiter().GetResult();
            return (int)response.StatusCode;
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Fault_proxy_injects_a_500_on_a_blob_upload_and_then_passes_through()
        {
            var registry = Track(RegistryServer.StartAnonymous());
            var proxy = Track(FaultProxy.Start(registry.Host));
            var image = NewImage(layerSize: 200_000);
            var rule = proxy.Inject(r => r.IsBlobUpload && (r.Method == "PUT" || r.Method == "PATCH"), Fault.Status(500), times: 1);

            var first = Skopeo.Copy(image.OciReference, $"docker://{proxy.Host}/fixtures/proxied:v1", "--dest-tls-verify=false");
            Assert.That(rule.Hits, Is.EqualTo(1), first.ToString());
            var faulted = proxy.Faulted.Single();
            Assert.That(faulted.Status, Is.EqualTo(500));
            Assert.That(faulted.RequestBodyBytes, Is.GreaterThan(0), "the body was read before answering");
            TestContext.Out.WriteLine($"skopeo with one injected 500: exit {first.ExitCode}; {proxy.Requests.Count} requests:\n" + string.Join("\n", proxy.Requests));

            // The registry's Location answers point back at the proxy (Host forwarded unchanged).
            var uploadStart = proxy.Requests.First(r => r.Method == "POST" && r.IsBlobUpload && r.Status == 202);
            Assert.That(uploadStart.ResponseLocation, Does.StartWith($"http://{proxy.Host}/v2/fixtures/proxied/blobs/uploads/"));

            proxy.Reset();
            AssertOk(Skopeo.Copy(image.OciReference, $"docker://{proxy.Host}/fixtures/proxied:v1", "--dest-tls-verify=false"), "clean push through the proxy");
            Assert.That(proxy.Faulted, Is.Empty);
            Assert.That(proxy.Count("PUT", "/manifests/v1"), Is.EqualTo(1));
            Assert.That(registry.Storage.TagDigest("fixtures/proxied", "v1"), Is.EqualTo(image.Digest));
            foreach (var layer in image.LayerDigests)
                Assert.That(registry.BlobExists(layer), Is.True);
            var uploaded = proxy.Requests.Where(r => r.IsBlobUpload).Sum(r => r.RequestBodyBytes);
            Assert.That(uploaded, Is.GreaterThanOrEqualTo(image.LayerSizes.Min()), "request bodies are streamed through and counted");
            var patch = proxy.Requests.First(r => r.Method == "PATCH");
            TestContext.Out.WriteLine("skopeo's PATCH headers: " + string.Join(", ", patch.Headers.Select(h => h.Key + "=" + h.Value)));

            // A chunked request body (no Content-Length) streams through too: POST, then one PUT ?digest= with the body.
            // (distribution 2.8 ignores ?digest= on the POST: it answers 202 and expects PATCH/PUT.)
            var blob = new byte[300_000];
            Random.Shared.NextBytes(blob);
            var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(blob));
            using var client = NewHttpClient();
            using var start = client.PostAsync($"http://{proxy.Host}/v2/fixtures/proxied/blobs/uploads/", null).GetAwaiter().GetResult();
            Assert.That((int)start.StatusCode, Is.EqualTo(202));
            var location = start.Headers.Location!.ToString();
            Assert.That(location, Does.StartWith($"http://{proxy.Host}/"), "absolute, built from the Host header");
            using var chunked = new StreamContent(new NonSeekableStream(blob));
            chunked.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var monolithic = client.PutAsync(location + "&digest=" + Uri.EscapeDataString(digest), chunked).GetAwaiter().GetResult();
            Assert.That((int)monolithic.StatusCode, Is.EqualTo(201), monolithic.Content.ReadAsStringAsync().GetAwaiter().GetResult());
            Assert.That(proxy.Requests.Last().Header("Transfer-Encoding"), Is.EqualTo("chunked"));
            Assert.That(proxy.Requests.Last().RequestBodyBytes, Is.EqualTo(blob.Length));
            Assert.That(registry.BlobExists(digest), Is.True);
        }

        [Test]
        public void Fault_proxy_cut_connection_is_an_exception_in_HttpClient_not_a_response()
        {
            var registry = Track(RegistryServer.StartAnonymous());
            var proxy = Track(FaultProxy.Start(registry.Host));
            using var client = NewHttpClient();
            var body = new byte[1_000_000];
            Random.Shared.NextBytes(body);

            proxy.Inject("POST", "/blobs/uploads/", Fault.CutConnection(afterRequestBodyBytes: 64 * 1024), times: 1);
            var cut = Assert.Catch(() =>
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                client.PostAsync($"http://{proxy.Host}/v2/fixtures/cut/blobs/uploads/", content).GetAwaiter().GetResult().Dispose();
            });
            Assert.That(cut, Is.InstanceOf<HttpRequestException>().Or.InstanceOf<IOException>(), cut!.ToString());
            var record = proxy.Requests.Single();
            Assert.That(record.Status, Is.EqualTo(0), "no answer was sent");
            Assert.That(record.RequestBodyBytes, Is.GreaterThanOrEqualTo(64 * 1024).And.LessThan(body.Length));

            // times: 1, so the next identical request goes through (202 from the registry).
            using (var content = new ByteArrayContent(Array.Empty<byte>()))
            using (var ok = client.PostAsync($"http://{proxy.Host}/v2/fixtures/cut/blobs/uploads/", content).GetAwaiter().GetResult())
                Assert.That((int)ok.StatusCode, Is.EqualTo(202));

            // A cut in the middle of a response body: headers arrive, reading the body throws.
            var image = NewImage(layerSize: 300_000);
            AssertOk(Skopeo.Copy(image.OciReference, $"docker://{registry.Host}/fixtures/cut:v1", "--dest-tls-verify=false"), "push");
            var layer = image.LayerDigests[0];
            proxy.Inject("GET", "/blobs/" + layer, Fault.CutResponse(afterResponseBodyBytes: 1000), times: 1);
            var midBody = Assert.Catch(() =>
            {
                using var response = client.GetAsync($"http://{proxy.Host}/v2/fixtures/cut/blobs/{layer}", HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
                Assert.That((int)response.StatusCode, Is.EqualTo(200));
                response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            });
            Assert.That(midBody, Is.InstanceOf<HttpRequestException>().Or.InstanceOf<IOException>(), midBody!.ToString());

            // 429 with Retry-After and a JSON error body; always-failing rule; delay passes through.
            proxy.Inject("GET", "/v2/fixtures/cut/manifests/", Fault.TooManyRequests(7), times: int.MaxValue);
            for (var i = 0; i < 3; i++)
            {
                using var limited = client.GetAsync($"http://{proxy.Host}/v2/fixtures/cut/manifests/v1").GetAwaiter().GetResult();
                Assert.That((int)limited.StatusCode, Is.EqualTo(429));
                Assert.That(limited.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(7)));
                Assert.That(limited.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Does.Contain("\"code\":\"TOOMANYREQUESTS\""));
            }
            proxy.ClearFaults();
            proxy.Inject("GET", "/v2/", Fault.Delay(TimeSpan.FromMilliseconds(300)));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var delayed = client.GetAsync($"http://{proxy.Host}/v2/").GetAwaiter().GetResult())
                Assert.That((int)delayed.StatusCode, Is.EqualTo(200));
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(280)));
            Assert.That(proxy.Count("GET", "/manifests/v1"), Is.EqualTo(3));
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Tls_registry_is_trusted_with_the_CA_cert_dir_only()
        {
            var tls = Track(TlsMaterial.Create());
            var registry = Track(RegistryServer.StartTls(tls));
            var image = NewImage();
            var target = $"docker://{registry.Host}/fixtures/tls:v1";

            var untrusted = Skopeo.Copy(image.OciReference, target);
            AssertFailed(untrusted, "push to an untrusted certificate");
            Assert.That(untrusted.StdErr, Does.Contain("x509").Or.Contain("certificate"));
            AssertOk(Skopeo.Copy(image.OciReference, target, "--dest-cert-dir=" + tls.CaCertificateDirectory), "push trusting the CA");
            AssertOk(Skopeo.InspectRaw(target, "--cert-dir=" + tls.CaCertificateDirectory), "inspect trusting the CA");
            AssertOk(Skopeo.InspectRaw($"docker://localhost:{registry.Port}/fixtures/tls:v1", "--cert-dir=" + tls.CaCertificateDirectory), "the certificate names localhost too");

            // .NET: trust exactly this CA (custom root trust, no revocation check), no blanket acceptance.
            var handler = new SocketsHttpHandler { UseProxy = false };
            handler.SslOptions.CertificateChainPolicy = tls.CreateChainPolicy();
            using (var client = NewHttpClient(handler))
            using (var response = client.GetAsync(new Uri(registry.BaseUri, "/v2/")).GetAwaiter().GetResult())
                Assert.That((int)response.StatusCode, Is.EqualTo(200));
            // ...and without it the handshake fails.
            using (var plain = NewHttpClient())
                Assert.Catch<HttpRequestException>(() => plain.GetAsync(new Uri(registry.BaseUri, "/v2/")).GetAwaiter().GetResult().Dispose());
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Forward_proxy_serves_a_registry_name_only_it_can_resolve()
        {
            var registry = Track(RegistryServer.StartAnonymous());
            var proxy = Track(ForwardProxy.Start(registry.Host));
            var curl = Tools.Require("curl");

            var viaCurl = ToolRunner.Run(curl, new[] { "-sS", "-i", "-x", proxy.ProxyUrl, "http://registry.invalid:5000/v2/" }, timeout: TimeSpan.FromSeconds(30));
            AssertOk(viaCurl, "curl through the proxy");
            Assert.That(viaCurl.StdOut, Does.StartWith("HTTP/1.1 200").And.Contain("Docker-Distribution-Api-Version: registry/2.0"));
            Assert.That(proxy.RequestedUris, Does.Contain("http://registry.invalid:5000/v2/"));

            // Without the proxy the name does not resolve.
            AssertFailed(ToolRunner.Run(curl, new[] { "-sS", "--noproxy", "*", "--max-time", "10", "http://registry.invalid:5000/v2/" }, timeout: TimeSpan.FromSeconds(30)), "curl without proxy");

            // .NET through an explicit proxy; and skopeo (Go) through HTTP_PROXY, pushing for real.
            using (var client = NewHttpClient(new SocketsHttpHandler { Proxy = new WebProxy(proxy.ProxyUrl), UseProxy = true }))
            using (var response = client.GetAsync("http://registry.invalid:5000/v2/").GetAwaiter().GetResult())
                Assert.That((int)response.StatusCode, Is.EqualTo(200));
            var image = NewImage();
            var env = new Dictionary<string, string?> { ["HTTP_PROXY"] = proxy.ProxyUrl, ["http_proxy"] = proxy.ProxyUrl, ["NO_PROXY"] = null, ["no_proxy"] = null };
            AssertOk(Skopeo.Run(new[] { "copy", "--dest-tls-verify=false", image.OciReference, "docker://registry.invalid:5000/fixtures/viaproxy:v1" }, env), "skopeo push via HTTP_PROXY");
            Assert.That(registry.Storage.TagDigest("fixtures/viaproxy", "v1"), Is.EqualTo(image.Digest));
            Assert.That(proxy.RequestedUris.Where(u => u.Contains("/blobs/uploads/")), Is.Not.Empty.And.All.StartWith("http://registry.invalid:5000/v2/fixtures/viaproxy/blobs/uploads/"));
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Credential_helper_script_follows_the_docker_protocol_and_skopeo_uses_it()
        {
            var registry = Track(RegistryServer.StartBasic(User, Password));
            var helper = Track(CredentialHelperScript.Create("ocifixture", new CredentialHelperEntry(registry.Host, User, Password)));

            var found = ToolRunner.Run(helper.ScriptPath, new[] { "get" }, standardInput: registry.Host + "\n");
            AssertOk(found, "get for a configured server");
            var json = JsonNode.Parse(found.StdOut)!;
            Assert.That(json["ServerURL"]!.GetValue<string>(), Is.EqualTo(registry.Host));
            Assert.That(json["Username"]!.GetValue<string>(), Is.EqualTo(User));
            Assert.That(json["Secret"]!.GetValue<string>(), Is.EqualTo(Password));

            var missing = ToolRunner.Run(helper.ScriptPath, new[] { "get" }, standardInput: "other.example:5000");
            Assert.That(missing.ExitCode, Is.EqualTo(1));
            Assert.That(missing.StdOut.Trim(), Is.EqualTo("credentials not found in native keychain"));

            // A real client: containers-auth.json with credHelpers, the helper found on PATH.
            var authFile = _work.Combine("auth.json");
            File.WriteAllText(authFile, $"{{\"credHelpers\":{{\"{registry.Host}\":\"{helper.Name}\"}}}}");
            var env = new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = authFile, ["PATH"] = helper.PathWithBinDirectory() };
            var image = NewImage();
            AssertOk(Skopeo.Run(new[] { "copy", "--dest-tls-verify=false", image.OciReference, $"docker://{registry.Host}/fixtures/helper:v1" }, env), "skopeo push with the helper");
            Assert.That(registry.Storage.TagDigest("fixtures/helper", "v1"), Is.EqualTo(image.Digest));

            var calls = helper.Invocations;
            Assert.That(calls.Take(2), Is.EqualTo(new[] { new CredentialHelperInvocation("get", registry.Host), new CredentialHelperInvocation("get", "other.example:5000") }));
            Assert.That(calls.Skip(2).Where(c => c.Verb == "get").Select(c => c.ServerUrl), Is.Not.Empty.And.All.EqualTo(registry.Host), "skopeo asked the helper");
            Assert.That(File.ReadAllText(helper.LogPath), Does.Not.Contain(Password));
        }

        // ------------------------------------------------------------------------------------------
        [Test]
        public void Test_image_is_deterministic_with_a_seed_and_adds_tags_to_one_layout()
        {
            var a = TestImage.Create(_work.Combine("a"), "one", seed: 42);
            var b = TestImage.Create(_work.Combine("b"), "one", seed: 42);
            Assert.That(b.Digest, Is.EqualTo(a.Digest));
            var c = TestImage.Create(_work.Combine("a"), "two", seed: 43);
            Assert.That(c.Digest, Is.Not.EqualTo(a.Digest));

            foreach (var tag in new[] { "one", "two" })
                AssertOk(Skopeo.Run("inspect", $"oci:{_work.Combine("a")}:{tag}"), "skopeo reads tag " + tag);
            var index = JsonNode.Parse(File.ReadAllText(Path.Combine(_work.Combine("a"), "index.json")))!;
            Assert.That(index["manifests"]!.AsArray().Count, Is.EqualTo(2));
        }
    }

    /// <summary>A stream HttpClient cannot know the length of, so it sends the body chunked.</summary>
    internal sealed class NonSeekableStream : MemoryStream
    {
        public NonSeekableStream(byte[] data) : base(data, writable: false) { }
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
