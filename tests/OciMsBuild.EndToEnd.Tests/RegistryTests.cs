using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// dotnet publish against a real registry: the base pulled from it, the image pushed to it,
    /// credentials from config.json and the environment, and no secret in any log.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class RegistryTests
    {
        private RegistryServer _registry = null!;
        private FaultProxy _proxy = null!;
        private TestProject _project = null!;
        private string _baseDigest = "";

        [OneTimeSetUp]
        public void StartRegistryWithBase()
        {
            _registry = RegistryServer.StartAnonymous();
            _proxy = FaultProxy.Start(_registry.Host);
            var copy = ImageTools.Skopeo("copy", "--dest-tls-verify=false", "oci:" + TestEnvironment.BaseLayout + ":deps", $"docker://{_registry.Host}/dotnet/runtime-deps:10.0");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.Output);
            var inspect = ImageTools.Skopeo("inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{_registry.Host}/dotnet/runtime-deps:10.0");
            _baseDigest = inspect.Output.Trim().Split('\n').Last().Trim();
            _project = TestProject.Console(name: "PushedApp");
        }

        [OneTimeTearDown]
        public void Stop()
        {
            _proxy?.Dispose();
            _registry?.Dispose();
        }

        private string[] Properties(string registryHost, params string[] more) => new[]
        {
            "-r", "linux-x64", "--self-contained",
            $"-p:ContainerBaseImage={registryHost}/dotnet/runtime-deps:10.0",
            $"-p:ContainerRegistry={registryHost}", "-p:ContainerRepository=team/pushed", "-p:ContainerImageTags=\"1.0;latest\"",
        }.Concat(more).ToArray();

        [Test, Order(1)]
        public void Publish_pushes_over_a_registry_base_by_mounting_it_and_the_pushed_image_runs()
        {
            _proxy.ClearRequests();
            var result = _project.Publish(Properties(_proxy.Host));
            result.AssertSuccess("publish with push");
            Assert.That(result.Output, Does.Contain($"OciMsBuild: pushed {_proxy.Host}/team/pushed:1.0,latest sha256:"));
            Assert.That(result.Output, Does.Match(@"[1-9]\d* mounted"), "base layers are mounted from dotnet/runtime-deps, not uploaded");
            Assert.That(_proxy.Count(r => r.Method == "GET" && r.IsBlob), Is.LessThanOrEqualTo(1), "at most the base config is downloaded, never its layers");
            Assert.That(Directory.Exists(_project.LayoutPath), Is.False, "no layout by default when pushing (it would download the base)");

            var run = ImageTools.Run($"docker://{_registry.Host}/team/pushed:1.0");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
            Assert.That(run.Output, Does.Contain("Hello"));

            _proxy.ClearRequests();
            var detailedLog = Path.Combine(_project.Root, "no-change.log");
            var again = _project.Publish(Properties(_proxy.Host, "-fl", $"-flp:logfile={detailedLog};verbosity=detailed"));
            again.AssertSuccess("no-change re-publish");
            Assert.That(File.ReadAllText(detailedLog), Does.Contain("resolved in the background while the project built"),
                "the base tag is resolved while the project builds, not in the image step");
            Assert.That(again.Output, Does.Contain("already there, nothing uploaded"));
            Assert.That(_proxy.Count(r => r.IsBlob || r.IsBlobUpload), Is.Zero, "no blob request");
            Assert.That(_proxy.Requests.Sum(r => r.RequestBodyBytes), Is.Zero);
            TestContext.Out.WriteLine($"no-change re-publish: {_proxy.Requests.Count} registry requests: {string.Join(", ", _proxy.Requests.Select(r => r.Method + " " + r.Path))}");
        }

        [Test, Order(2)]
        public void Base_by_digest_with_a_tarball_fetches_the_base_layers_and_validates()
        {
            var project = TestProject.Console(name: "DigestBase");
            var layout = Path.Combine(project.Root, "layout");
            var result = project.Publish("-r", "linux-x64", "--self-contained",
                $"-p:ContainerBaseImage={_registry.Host}/dotnet/runtime-deps@{_baseDigest}",
                "-p:ContainerLayoutOutputPath=" + layout, "-p:ContainerArchiveOutputPath=" + project.ArchivePath,
                "-p:ContainerBlobCachePath=" + Path.Combine(project.Root, "cold-cache"));
            result.AssertSuccess("publish over a digest-pinned registry base");
            Assert.That(result.Output, Does.Contain("downloading base layer"));
            var validate = ImageTools.Validate(layout, "latest", project.ArchivePath);
            Assert.That(validate.ExitCode, Is.EqualTo(0), validate.Output);
            var load = ImageTools.Load(project.ArchivePath);
            Assert.That(load.ExitCode, Is.EqualTo(0), load.Output);
            Assert.That(load.Output, Does.Contain("Hello"));
        }

        [Test, Order(3)]
        public void Credentials_from_config_json_and_a_wrong_password_never_reaches_a_log_or_binlog()
        {
            const string user = "ci-bot", password = "Correct-Horse-Battery-77", wrong = "Wrong-Staple-Secret-99";
            using var secured = RegistryServer.StartBasic(user, password);
            var copy = ImageTools.Skopeo("copy", "--dest-tls-verify=false", "--dest-creds", user + ":" + password,
                "oci:" + TestEnvironment.BaseLayout + ":deps", $"docker://{secured.Host}/dotnet/runtime-deps:10.0");
            Assert.That(copy.ExitCode, Is.EqualTo(0), copy.Output);

            var dockerConfig = Path.Combine(_project.Root, "docker-config");
            Directory.CreateDirectory(dockerConfig);
            void WriteConfig(string pass) => File.WriteAllText(Path.Combine(dockerConfig, "config.json"),
                "{\"auths\":{\"" + secured.Host + "\":{\"auth\":\"" + System.Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + pass)) + "\"}}}");
            var env = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = dockerConfig };

            WriteConfig(wrong);
            var binlog = Path.Combine(_project.Root, "wrong.binlog");
            var failed = _project.PublishWith(env, Properties(secured.Host, "-bl:" + binlog));
            Assert.That(failed.ExitCode, Is.Not.EqualTo(0));
            Assert.That(failed.Output, Does.Contain("error OCI2003"));
            Assert.That(failed.Output, Does.Contain("config.json"), "names the credential source");
            Assert.That(failed.Output, Does.Not.Contain(wrong).And.Not.Contain(password));
            Assert.That(BinlogText(binlog), Does.Not.Contain(wrong).And.Not.Contain(System.Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + wrong))));
            Assert.That(secured.Storage.Tags("team/pushed"), Is.Empty);

            WriteConfig(password);
            var ok = _project.PublishWith(env, Properties(secured.Host, "-bl:" + binlog));
            ok.AssertSuccess("publish with the right credential");
            Assert.That(ok.Output, Does.Not.Contain(password));
            Assert.That(BinlogText(binlog), Does.Not.Contain(password));
            // Besides the two tags, the image's referrers tag (sha256-<hex>) lists its SBOM and provenance.
            Assert.That(secured.Storage.Tags("team/pushed").Where(t => !t.StartsWith("sha256-")), Is.EquivalentTo(new[] { "1.0", "latest" }));

            var viaEnv = _project.PublishWith(new Dictionary<string, string?>
            {
                ["DOCKER_CONFIG"] = Path.Combine(_project.Root, "empty-docker-config"),
                ["DOTNET_CONTAINER_REGISTRY_UNAME"] = user,
                ["DOTNET_CONTAINER_REGISTRY_PWORD"] = password,
            }, Properties(secured.Host, "-p:ContainerImageTags=env"));
            viaEnv.AssertSuccess("credentials from DOTNET_CONTAINER_REGISTRY_UNAME/PWORD");
            Assert.That(secured.Storage.Tags("team/pushed"), Does.Contain("env"));
        }

        private static string[] PushTo(string registryHost, string repository, string tags, string blobCache) => new[]
        {
            "-r", "linux-x64", "--self-contained",
            $"-p:ContainerBaseImage={registryHost}/dotnet/runtime-deps:10.0",
            $"-p:ContainerRegistry={registryHost}", "-p:ContainerRepository=" + repository, $"-p:ContainerImageTags=\"{tags}\"",
            "-p:ContainerBlobCachePath=" + blobCache,
        };

        private long BlobBytesUploaded() => _proxy.Requests.Where(r => (r.Method == "PATCH" || r.Method == "PUT") && r.IsBlobUpload).Sum(r => r.RequestBodyBytes);

        private string RequestList() => string.Join(", ", _proxy.Requests.Select(r => $"{r.Method} {r.Path} {r.Status}"));

        [Test, Order(4)]
        public void Another_app_mounts_the_shared_layers_and_a_clean_CI_runner_pushes_no_blob_and_no_manifest()
        {
            var first = TestProject.Console(name: "FirstApp");
            var second = TestProject.Console(name: "SecondApp");
            var cache = Path.Combine(first.Root, "warm-cache");
            first.Publish(PushTo(_proxy.Host, "team/first", "1.0", cache)).AssertSuccess("first app");

            // Another project on the same runtime, another repository, the same machine (blob store).
            _proxy.ClearRequests();
            var warm = second.Publish(PushTo(_proxy.Host, "team/second", "1.0", cache));
            warm.AssertSuccess("second app");
            TestContext.Out.WriteLine($"new app on a warm machine: {_proxy.Requests.Count} requests, {BlobBytesUploaded()} blob bytes up: {RequestList()}");
            Assert.That(_proxy.Count(r => r.Method == "POST" && r.PathAndQuery.Contains("from=team%2Ffirst") && r.Status == 201), Is.GreaterThan(0),
                "layers the first app pushed are mounted from team/first");
            Assert.That(BlobBytesUploaded(), Is.LessThan(1_000_000), "the runtime layer is not uploaded again, only the small app layers and config");
            Assert.That(_proxy.Count(r => r.Path == "/v2/"), Is.EqualTo(1), "the base pin and the push share one connection per registry: one ping");

            // A clean CI runner: no bin/ or obj/, an empty blob store, the same sources, one more tag.
            Directory.Delete(Path.Combine(second.Directory_, "obj"), true);
            Directory.Delete(Path.Combine(second.Directory_, "bin"), true);
            var digest = _registry.Storage.TagDigest("team/second", "1.0");
            _proxy.ClearRequests();
            var ci = second.Publish(PushTo(_proxy.Host, "team/second", "1.0;ci-2", Path.Combine(second.Root, "ci-cache")));
            ci.AssertSuccess("clean CI re-publish");
            TestContext.Out.WriteLine($"clean CI runner: {_proxy.Requests.Count} requests: {RequestList()}");
            Assert.That(ci.Output, Does.Contain("manifest already there, nothing uploaded, 1 tag(s) applied"));
            Assert.That(_proxy.Count(r => r.IsBlobUpload), Is.Zero, "no upload session at all");
            Assert.That(_proxy.Count(r => r.IsBlob && r.Path.Contains("/team/second/")), Is.Zero, "not even a HEAD of a blob");
            Assert.That(_proxy.Count(r => r.Method == "PUT" && r.IsManifest), Is.EqualTo(1), "only the new tag");
            Assert.That(_registry.Storage.TagDigest("team/second", "1.0"), Is.EqualTo(digest), "the existing tag is unchanged");
            Assert.That(_registry.Storage.TagDigest("team/second", "ci-2"), Is.EqualTo(digest));
        }

        /// <summary>A binlog is a gzip stream of records whose strings are UTF-8: search the decompressed bytes.</summary>
        private static string BinlogText(string path)
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var bytes = new MemoryStream();
            gzip.CopyTo(bytes);
            Assert.That(bytes.Length, Is.GreaterThan(1000), "the binlog was written");
            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        [Test, Order(5)]
        public void A_cold_push_uploads_the_runtime_layer_while_packing_it_and_falls_back_when_that_fails()
        {
            // Own blob stores: a layer found in the shared layer cache is not packed, so nothing would stream.
            // For the same reason the runtime layer is not packed early here (it would then be found in the cache).
            var streamed = TestProject.Console(name: "StreamedApp");
            _proxy.ClearRequests();
            var result = streamed.Publish(Properties(_proxy.Host, "-p:ContainerRepository=team/streamed", "-p:ContainerBlobCachePath=" + Path.Combine(streamed.Root, "blobs"), "-p:ContainerPackRuntimeLayerEarly=false"));
            result.AssertSuccess("cold push");
            Assert.That(result.Output, Does.Match(@"packed layer runtime: .*uploaded to the registry while it was packed \([\d,]+ bytes\)"));
            Assert.That(_proxy.Count(r => r.Method == "PATCH" && r.Path.Contains("/team/streamed/")), Is.GreaterThan(1), "streamed in several chunks");
            var run = ImageTools.Run($"docker://{_registry.Host}/team/streamed:1.0");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
            Assert.That(run.Output, Does.Contain("Hello"));

            // The first chunk refused: the stream gives up, the push uploads the stored blob (and retries as always).
            var fallback = TestProject.Console(name: "FallbackApp");
            _proxy.ClearRequests();
            _proxy.Inject(r => r.Method == "PATCH" && r.Path.Contains("/team/fallback/"), Fault.Status(500), times: 1);
            var second = fallback.Publish(Properties(_proxy.Host, "-p:ContainerRepository=team/fallback", "-p:ContainerBlobCachePath=" + Path.Combine(fallback.Root, "blobs"), "-p:ContainerPackRuntimeLayerEarly=false"));
            _proxy.ClearFaults();
            second.AssertSuccess("cold push with the streamed upload refused");
            Assert.That(_proxy.Faulted, Has.Count.EqualTo(1));
            Assert.That(second.Output, Does.Not.Contain("uploaded to the registry while it was packed"));
            Assert.That(second.Output, Does.Match(@"[1-9]\d* blobs? uploaded"), "the push uploaded what the stream could not");
            var check = ImageTools.Skopeo("inspect", "--tls-verify=false", $"docker://{_registry.Host}/team/fallback:1.0");
            Assert.That(check.ExitCode, Is.EqualTo(0), check.Output);
        }
    
        [Test, Order(6)]
        public void A_cold_push_uploads_the_runtime_layer_packed_early_ahead_of_the_push_and_the_push_uploads_it_no_second_time()
        {
            var ahead = TestProject.Console(name: "AheadApp");
            _proxy.ClearRequests();
            var result = ahead.Publish(Properties(_proxy.Host, "-p:ContainerRepository=team/ahead", "-p:ContainerBlobCachePath=" + Path.Combine(ahead.Root, "blobs")));
            result.AssertSuccess("cold push");
            var line = result.Output.Split('\n').FirstOrDefault(l => l.Contains("OciMsBuild: layer runtime sha256:")) ?? "";
            Assert.That(line, Does.Match(@"layer runtime (sha256:[0-9a-f]{64}) uploaded to .*/team/ahead ahead of the push"), result.Output);
            var digest = System.Text.RegularExpressions.Regex.Match(line, "sha256:[0-9a-f]{64}").Value;
            Assert.That(result.Output, Does.Contain("OciMsBuild: packed layer runtime (early, while the project compiled): " + digest));
            // One completed upload of the runtime blob (the PUT closing it names the digest), not two.
            var escaped = Uri.EscapeDataString(digest);
            Assert.That(_proxy.Count(r => r.Method == "PUT" && r.IsBlobUpload && (r.PathAndQuery.Contains(digest) || r.PathAndQuery.Contains(escaped))), Is.EqualTo(1));
            var run = ImageTools.Run($"docker://{_registry.Host}/team/ahead:1.0");
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Output);
            Assert.That(run.Output, Does.Contain("Hello"));

            // A rebuild from a clean obj/ and blob store, the tags already there: nothing is uploaded ahead.
            Directory.Delete(Path.Combine(ahead.Directory_, "obj"), true);
            Directory.Delete(Path.Combine(ahead.Directory_, "bin"), true);
            var again = ahead.Publish(Properties(_proxy.Host, "-p:ContainerRepository=team/ahead", "-p:ContainerBlobCachePath=" + Path.Combine(ahead.Root, "blobs2")));
            again.AssertSuccess("clean rebuild of a pushed image");
            Assert.That(again.Output, Does.Not.Contain("ahead of the push"));
        }
    }
}
