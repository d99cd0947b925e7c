using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Smaller defects that only show through a real dotnet publish: which error wins over the
    /// SDK's, what a message names, what evaluation decides before our tasks run.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class SmallFixesTests
    {
        private TestProject _project = null!;
        private string _archive = "";

        [OneTimeSetUp]
        public void CreateProject()
        {
            _project = TestProject.Console(name: "SmallFixes");
            _archive = Path.Combine(_project.Root, "base", "small.tar");
            // Warm-up, and a small OCI archive to use as a base below.
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerArchiveOutputPath=" + _archive).AssertSuccess("warm-up publish");
            Assert.That(File.Exists(_archive), Is.True);
        }

        private ProcessResult Fails(string expectedCode, params string[] properties)
        {
            var result = _project.Publish(new[] { "-r", "linux-x64" }.Concat(properties).ToArray());
            TestContext.Out.WriteLine(result.AssertCodedFailure(expectedCode).Trim());
            return result;
        }

        private static string ErrorLine(ProcessResult result, string code) =>
            result.Output.Split('\n').First(l => l.Contains("error " + code + ":"));

        [TestCase("-p:ContainerRuntimeIdentifier=linux-foo", "ContainerRuntimeIdentifier 'linux-foo' is not a Linux runtime identifier OciMsBuild can build an image for")]
        [TestCase("-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-foo\"", "ContainerRuntimeIdentifiers has 'linux-foo', which is not a Linux runtime identifier OciMsBuild can build an image for")]
        [TestCase("-p:ContainerRuntimeIdentifiers=linux-foo-x64", "ContainerRuntimeIdentifiers has 'linux-foo-x64'")]
        public void A_rid_the_sdk_does_not_know_is_OCI1012_before_the_sdk_says_NETSDK1083(string property, string message)
        {
            var result = Fails("OCI1012", "-p:ContainerBaseImage=scratch", property);
            Assert.That(result.Output, Does.Contain(message).And.Contain("linux-musl-arm64"));
            Assert.That(result.Output, Does.Not.Contain("NETSDK1083"));
        }

        [Test]
        public void Duplicate_ContainerRuntimeIdentifiers_build_the_same_single_image()
        {
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerRuntimeIdentifiers=linux-x64").AssertSuccess("one RID");
            var one = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            var oneDigest = one.Digest;
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-x64\"").AssertSuccess("the RID twice");
            var twice = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            Assert.That(twice.Digest, Is.EqualTo(oneDigest), "same image, same digest");
            Assert.That((string?)twice.Summary["mediaType"], Does.EndWith("manifest.v1+json"), "a single image, not an index");
            Assert.That(twice.Summary["platforms"]?.Type ?? JTokenType.Null, Is.EqualTo(JTokenType.Null));
        }

        /// <summary>The evaluation's RID filtering leaves real multi-platform builds alone (no arm64 code runs here: no emulation needed).</summary>
        [Test]
        public void Two_distinct_rids_with_a_duplicate_are_an_index_of_two()
        {
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64;linux-x64\"").AssertSuccess("two RIDs, one twice");
            var index = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            Assert.That((string?)index.Summary["mediaType"], Does.EndWith("index.v1+json"));
            Assert.That(index.Summary["platforms"]!.Select(p => (string?)p["runtimeIdentifier"]), Is.EqualTo(new[] { "linux-x64", "linux-arm64" }));
        }

        [Test]
        public void A_truncated_oci_archive_is_reported_with_the_archives_own_path()
        {
            var bytes = File.ReadAllBytes(_archive);
            var truncated = Path.Combine(_project.Root, "base", "cut.tar");
            File.WriteAllBytes(truncated, bytes.Take(bytes.Length / 2 + 100).ToArray());
            var result = Fails("OCI3004", "-p:ContainerBaseImage=oci-archive://" + truncated);
            Assert.That(result.Output, Does.Contain($"the archive '{truncated}' is truncated or damaged"));
            Assert.That(result.Output, Does.Not.Contain("extract-"), "never the temp copy");
        }

        [Test]
        public void An_oci_archive_naming_a_directory_says_it_is_one_and_names_oci_layout()
        {
            var result = Fails("OCI1015", "-p:ContainerBaseImage=oci-archive://" + TestEnvironment.BaseLayout);
            var error = ErrorLine(result, "OCI1015");
            Assert.That(error, Does.Contain($"'{TestEnvironment.BaseLayout}' is a directory, not an archive file")
                .And.Contain("oci-layout://" + TestEnvironment.BaseLayout));
            Assert.That(error, Does.Not.Contain("does not exist"));
        }

        [Test]
        public void An_unreachable_push_registry_gets_advice_about_the_registry_not_the_base()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop(); // nothing listens there now: connection refused
            var result = Fails("OCI2001", "-p:ContainerBaseImage=scratch", $"-p:ContainerRegistry=127.0.0.1:{port}", "-p:ContainerRegistryRetries=1");
            Assert.That(result.Output, Does.Contain($"Could not reach registry 127.0.0.1:{port} to push")
                .And.Contain($"Check ContainerRegistry (127.0.0.1:{port})").And.Contain("ContainerInsecureRegistries").And.Contain("network"));
            Assert.That(result.Output, Does.Not.Contain("local base"));
        }

        [Test]
        public void The_push_line_names_exactly_the_outputs_written()
        {
            using var registry = RegistryServer.StartAnonymous();
            var pushed = _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", $"-p:ContainerRegistry={registry.Host}");
            pushed.AssertSuccess("push");
            var line = Regex.Match(pushed.Output, $@"OciMsBuild: {Regex.Escape(registry.Host)}/smallfixes:latest sha256:[0-9a-f]{{64}} \(linux/amd64\) -> (.*)");
            Assert.That(line.Success, Is.True, ProcessResult.Tail(pushed.Output));
            TestContext.Out.WriteLine(line.Value.Trim());
            Assert.That(line.Groups[1].Value.Trim(), Does.Match("^pushed to " + Regex.Escape(registry.Host) + @" \([0-9]+\.[0-9] (KB|MB) uploaded\)$"),
                "no layout was written: none is named; what this build sent is");

            var archive = Path.Combine(_project.Root, "out", "pushed.tar");
            var both = _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", $"-p:ContainerRegistry={registry.Host}", "-p:ContainerArchiveOutputPath=" + archive);
            both.AssertSuccess("push and tarball");
            Assert.That(both.Output, Does.Contain($"-> pushed to {registry.Host} (nothing uploaded), archive {archive}"), "the image was there already");
        }

        [Test]
        public void Repeated_and_trailing_slashes_in_the_working_directory_are_normalized_in_config_and_layers()
        {
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerWorkingDirectory=//app/").AssertSuccess("//app/");
            var image = new ImageOnDisk(_project.LayoutPath, _project.SummaryPath);
            var config = image.Config["config"]!;
            Assert.That((string?)config["WorkingDir"], Is.EqualTo("/app"));
            Assert.That(config["Entrypoint"]!.ToObject<string[]>()![0], Is.EqualTo("/app/SmallFixes"));
            var entries = image.Layers.SelectMany(l => image.LayerEntries(l.Digest).Keys).ToList();
            Assert.That(entries, Does.Contain("app/SmallFixes"));
            Assert.That(entries.Where(e => e.Contains("//") || e.StartsWith("/")), Is.Empty, "every entry under app/");

            Fails("OCI1011", "-p:ContainerBaseImage=scratch", "-p:ContainerWorkingDirectory=//app/../etc");
        }
    }
}
