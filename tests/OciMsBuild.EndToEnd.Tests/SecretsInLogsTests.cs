using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Each documented credential route pushes to a real registry with basic auth while the build writes
    /// a binlog (-bl) and diagnostic console output (-v:diag); the password must be in neither, except
    /// for DOTNET_CONTAINER_PUSH_REGISTRY_PWORD, which MSBuild itself records (as the README's table says):
    /// then the password appears only in MSBuild's own property listings and OCI2020 warns.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class SecretsInLogsTests
    {
        private const string User = "ci-pusher";
        private const string Password = "Tr0ub4dor-Never-In-Logs-31";
        private const string Repository = "team/secret";

        private RegistryServer _registry = null!;
        private TestProject _project = null!;
        private string _secrets = "";

        [OneTimeSetUp]
        public void StartRegistry()
        {
            _registry = RegistryServer.StartBasic(User, Password);
            _project = TestProject.Console(name: "SecretApp");
            _secrets = Path.Combine(_project.Root, "secrets");
            Directory.CreateDirectory(_secrets);
        }

        [OneTimeTearDown]
        public void Stop() => _registry?.Dispose();

        private sealed record LoggedRun(ProcessResult Result, string Binlog)
        {
            public string Console => Result.Output;
        }

        /// <summary>
        /// A framework-dependent publish and push over the local runtime base. With <paramref name="logged"/>,
        /// -bl and -v:diag (the console logger; the terminal logger shows no properties); else -v:n.
        /// RunDotNet appends -v:n, so this builds its own command line.
        /// </summary>
        private LoggedRun Publish(string tag, IDictionary<string, string?> environment, bool logged = true)
        {
            var binlog = Path.Combine(_project.Root, tag + ".binlog");
            var args = new List<string>
            {
                "publish", _project.ProjectFile, "-c", "Release", "-p:ContainerImage=true", "-r", "linux-x64", "--no-self-contained",
                "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":runtime",
                "-p:ContainerRegistry=" + _registry.Host, "-p:ContainerRepository=" + Repository, "-p:ContainerImageTags=" + tag,
                "-p:ContainerBlobCachePath=" + TestEnvironment.BlobCache, "-nodeReuse:false", "-tl:off",
            };
            args.AddRange(logged ? new[] { "-bl:" + binlog, "-v:diag" } : new[] { "-v:n" });
            var env = TestEnvironment.DotNetEnvironment();
            // Only the route under test: no credential variable or config of the machine running the tests.
            foreach (var name in new[] { "DOTNET_CONTAINER_PUSH_REGISTRY", "DOTNET_CONTAINER_REGISTRY", "SDK_CONTAINER_REGISTRY" })
                foreach (var suffix in new[] { "_UNAME", "_PWORD", "_PWORD_FILE" })
                    env[name + suffix] = null;
            env["DOCKER_CONFIG"] = Path.Combine(_project.Root, "no-docker-config");
            env["REGISTRY_AUTH_FILE"] = Path.Combine(_project.Root, "no-auth.json");
            env["MSBUILDLOGALLENVIRONMENTVARIABLES"] = null;
            foreach (var kv in environment) env[kv.Key] = kv.Value;
            var result = ProcessRunner.Run("dotnet", args, _project.Directory_, env, TimeSpan.FromMinutes(10));
            TestContext.Out.WriteLine($"{tag}: exit {result.ExitCode} in {result.Duration.TotalSeconds:0.0} s, console {result.Output.Length / 1024} KiB");
            foreach (var line in result.Output.Split('\n').Where(l => l.Contains(" OCI20")).Distinct())
                TestContext.Out.WriteLine("  " + line.Trim());
            return new LoggedRun(result, binlog);
        }

        private string DockerConfig(string name, string json)
        {
            var dir = Path.Combine(_project.Root, name);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), json);
            return dir;
        }

        private static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

        private void AssertPushedAndClean(LoggedRun run, string tag)
        {
            run.Result.AssertSuccess("publish with push (" + tag + ")");
            Assert.That(_registry.Storage.Tags(Repository), Does.Contain(tag));
            Assert.That(run.Console, Does.Contain("Environment at start of build:"), "the console really is at diagnostic verbosity");
            Assert.That(run.Console, Does.Not.Contain(Password).And.Not.Contain(Basic(User, Password)), "console (-v:diag)");
            var binlog = BinlogText(run.Binlog);
            Assert.That(binlog, Does.Contain("PushOciImage"), "the binlog recorded the push");
            Assert.That(binlog, Does.Not.Contain(Password).And.Not.Contain(Basic(User, Password)), "binlog");
            Assert.That(run.Console, Does.Not.Contain("OCI2020"));
        }

        [Test]
        public void Config_json_auths_never_reach_the_binlog_or_diagnostic_output()
        {
            var config = DockerConfig("auths-config", "{\"auths\":{\"" + _registry.Host + "\":{\"auth\":\"" + Basic(User, Password) + "\"}}}");
            var run = Publish("auths", new Dictionary<string, string?> { ["DOCKER_CONFIG"] = config });
            AssertPushedAndClean(run, "auths");
        }

        [Test]
        public void A_credential_helper_never_reaches_the_binlog_or_diagnostic_output()
        {
            using var helper = CredentialHelperScript.Create("ocisecrets", new CredentialHelperEntry(_registry.Host, User, Password));
            var config = DockerConfig("helper-config", "{\"credHelpers\":{\"" + _registry.Host + "\":\"ocisecrets\"}}");
            var run = Publish("helper", new Dictionary<string, string?>
            {
                ["DOCKER_CONFIG"] = config,
                ["PATH"] = helper.PathWithBinDirectory(),
            });
            AssertPushedAndClean(run, "helper");
            Assert.That(helper.Invocations, Does.Contain(new CredentialHelperInvocation("get", _registry.Host)));
        }

        [Test]
        public void A_password_file_never_reaches_the_binlog_or_diagnostic_output_only_its_path_does()
        {
            var file = Path.Combine(_secrets, "registry-password");
            File.WriteAllText(file, Password + "\n");
            var run = Publish("file", new Dictionary<string, string?>
            {
                ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = User,
                ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"] = file,
            });
            AssertPushedAndClean(run, "file");
            Assert.That(BinlogText(run.Binlog), Does.Contain("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE").And.Contain(file),
                "MSBuild records the DOTNET_* variable, as the README says: its value is only the path");
        }

        [Test]
        public void The_DOTNET_password_variable_is_logged_by_MSBuild_alone_and_OCI2020_says_so()
        {
            var run = Publish("pword", new Dictionary<string, string?>
            {
                ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = User,
                ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = Password,
            });
            run.Result.AssertSuccess("publish with DOTNET_CONTAINER_PUSH_REGISTRY_PWORD");
            Assert.That(_registry.Storage.Tags(Repository), Does.Contain("pword"));
            Assert.That(run.Console, Does.Contain("warning OCI2020: DOTNET_CONTAINER_PUSH_REGISTRY_PWORD holds a registry password"));
            Assert.That(run.Console, Does.Contain("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE to its path"), "the warning names the safe route");

            // Where the README says MSBuild logs it, and nowhere else: MSBuild's own "NAME = value"
            // listings of the environment and the properties, never one of our messages.
            var leaking = run.Console.Split('\n').Where(l => l.Contains(Password)).ToList();
            Assert.That(leaking, Is.Not.Empty, "MSBuild lists DOTNET_* variables at -v:diag (if this fails, MSBuild changed: update the README table)");
            Assert.That(leaking, Has.All.Match(@"^\s*DOTNET_CONTAINER_PUSH_REGISTRY_PWORD = " + Regex.Escape(Password) + @"\s*$"));
            var binlog = BinlogText(run.Binlog);
            Assert.That(binlog, Does.Contain(Password), "MSBuild records DOTNET_* variables in the binlog (else update the README table)");
            Assert.That(binlog, Does.Contain("OCI2020"), "the warning is in the binlog too, beside the password");
            Assert.That(binlog, Does.Not.Contain(Basic(User, Password)), "no Authorization header was logged");
        }

        [Test]
        public void Without_a_binlog_or_diagnostic_output_the_variable_is_not_logged_and_no_warning_is_given()
        {
            var run = Publish("pword-quiet", new Dictionary<string, string?>
            {
                ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = User,
                ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = Password,
            }, logged: false);
            run.Result.AssertSuccess("publish at normal verbosity");
            Assert.That(_registry.Storage.Tags(Repository), Does.Contain("pword-quiet"));
            Assert.That(run.Console, Does.Not.Contain(Password));
            Assert.That(run.Console, Does.Not.Contain("OCI2020"), "nothing records the variable, so nothing to warn about");
        }

        [Test]
        public void A_password_put_into_the_file_variable_by_mistake_is_OCI2021_and_not_echoed()
        {
            var run = Publish("mistake", new Dictionary<string, string?>
            {
                ["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = User,
                ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"] = Password,
            }, logged: false);
            Assert.That(run.Result.ExitCode, Is.Not.EqualTo(0));
            Assert.That(run.Console, Does.Contain("error OCI2021: The environment variable DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE names no existing file"));
            Assert.That(run.Console, Does.Not.Contain(Password));
            Assert.That(run.Console, Does.Not.Contain("MSB4018"), "no stack trace");
            Assert.That(_registry.Storage.Tags(Repository), Does.Not.Contain("mistake"));
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
    }
}
