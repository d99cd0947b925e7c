using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Threading;
using NUnit.Framework;
using OciMsBuild.Core.Engines;
using OciMsBuild.Core.Errors;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Core's docker/podman driver (Engines/ContainerEngine) against a real private dockerd (Docker
    /// Engine 20.10) and podman 4.3 with a private store: load, run, commit, export, remove, and how
    /// a missing or dead engine is told apart. The image is the test base "deps" (busybox /bin/sh).
    /// </summary>
    [TestFixture(ContainerEngine.Docker)]
    [TestFixture(ContainerEngine.Podman)]
    [NonParallelizable]
    public sealed class EngineDriverTests
    {
        private const string Property = "ContainerStructureTestEngine";
        private readonly string _engineName;
        private DockerEngine? _docker;
        private PrivatePodman? _podman;
        private IReadOnlyDictionary<string, string?> _environment = new Dictionary<string, string?>();
        private string _work = "";
        private string _archive = "";
        private ContainerEngine _engine = null!;
        private string _image = "";

        public EngineDriverTests(string engineName) => _engineName = engineName;

        [OneTimeSetUp]
        public void StartEngine()
        {
            var clock = Stopwatch.StartNew();
            if (_engineName == ContainerEngine.Docker)
            {
                _docker = DockerEngine.Start();
                _environment = new Dictionary<string, string?> { ["DOCKER_HOST"] = _docker.DockerHost };
            }
            else
            {
                _podman = PrivatePodman.Create();
                _environment = _podman.Environment;
            }
            _work = Path.Combine(TestEnvironment.WorkRoot, "engine-" + _engineName + "-" + Guid.NewGuid().ToString("N").Substring(0, 6));
            Directory.CreateDirectory(_work);
            _archive = Path.Combine(_work, "deps.docker.tar");
            ProcessRunner.Run("skopeo", new[] { "copy", "-q", "oci:" + TestEnvironment.BaseLayout + ":deps", "docker-archive:" + _archive + ":test/enginedriver:1" },
                timeout: TimeSpan.FromMinutes(2)).AssertSuccess("skopeo copy deps to a docker-archive");

            _engine = ContainerEngine.Find(_engineName, Property, _environment);
            var loaded = _engine.Load(Archive, CancellationToken.None);
            Assert.That(loaded.LoadedImages, Is.Not.Empty);
            _image = loaded.LoadedImages[0];
            TestContext.Progress.WriteLine($"{_engine.Describe()}: started and loaded {_image} in {clock.Elapsed.TotalSeconds:0.0} s");
        }

        [OneTimeTearDown]
        public void StopEngine()
        {
            _podman?.Dispose();
            if (_docker != null)
            {
                _docker.Dispose();
                // dockerd.sh stop leaves dockerd's network namespace mount (exec/netns/default), so its
                // rm -rf fails: unmount what is left below the directory and delete it.
                var directory = Path.GetDirectoryName(_docker.DockerHost.Substring("unix://".Length))!;
                foreach (var mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 4)
                    .Select(f => f[4]).Where(m => m.StartsWith(directory + "/", StringComparison.Ordinal)).OrderByDescending(m => m, StringComparer.Ordinal))
                    ProcessRunner.Run("umount", new[] { "-l", mount }, timeout: TimeSpan.FromSeconds(30));
                try { if (Directory.Exists(directory)) Directory.Delete(directory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
            try { if (Directory.Exists(_work)) Directory.Delete(_work, true); } catch (IOException) { }
        }

        private void Archive(Stream stream)
        {
            using var file = File.OpenRead(_archive);
            file.CopyTo(stream);
        }

        private Dictionary<string, string?> Env(params (string Key, string? Value)[] changes)
        {
            var env = _environment.ToDictionary(p => p.Key, p => p.Value);
            foreach (var (key, value) in changes) env[key] = value;
            return env;
        }

        private RunRequest Shell(string script) => new RunRequest(_image) { Entrypoint = new[] { "sh", "-c", script }, Timeout = TimeSpan.FromMinutes(1) };

        private ProcessResult Cli(params string[] args) =>
            ProcessRunner.Run(_engine.Executable, args, environment: Env(), timeout: TimeSpan.FromMinutes(1));

        private bool ContainerExists(string name) =>
            Cli("ps", "-a", "--format", "{{.Names}}").AssertSuccess("ps -a").Output.Split('\n').Select(l => l.Trim()).Contains(name);

        [Test]
        public void Find_by_name_and_auto_pick_an_engine_that_answers()
        {
            Assert.That(_engine.Name, Is.EqualTo(_engineName));
            Assert.That(File.Exists(_engine.Executable), Is.True, _engine.Executable);
            Assert.That(Path.IsPathRooted(_engine.Executable), Is.True);
            if (_docker != null)
            {
                Assert.That(_engine.Describe(), Is.EqualTo($"docker ({_engine.Executable}, DOCKER_HOST={_docker.DockerHost})"));
                Assert.That(ContainerEngine.Find("AUTO", Property, _environment).Name, Is.EqualTo("docker"), "auto: docker first");
            }
            else
            {
                Assert.That(_engine.Describe(), Is.EqualTo($"podman ({_engine.Executable})"), "no other variable is shown");
                // auto: docker is installed here but does not answer, so podman is picked.
                var auto = ContainerEngine.Find(null, Property, Env(("DOCKER_HOST", "unix:///nonexistent-ocimsbuild.sock")));
                Assert.That(auto.Name, Is.EqualTo("podman"));
            }
            Assert.That(_engine.Architecture(CancellationToken.None), Is.EqualTo("amd64"));
        }

        [Test]
        public void Load_returns_the_loaded_reference_and_the_bytes_sent()
        {
            var result = _engine.Load(Archive, CancellationToken.None);
            Assert.That(result.BytesSent, Is.EqualTo(new FileInfo(_archive).Length));
            // docker: "test/enginedriver:1"; podman qualifies it: "docker.io/test/enginedriver:1".
            Assert.That(result.LoadedImages, Has.Count.EqualTo(1));
            Assert.That(result.LoadedImages[0], Does.EndWith("test/enginedriver:1"));
        }

        [Test]
        public void Load_of_a_broken_archive_is_OCI4003_with_the_engine_message()
        {
            var e = Assert.Throws<OciException>(() => _engine.Load(s => s.Write(new byte[4096], 0, 4096), CancellationToken.None))!;
            TestContext.Out.WriteLine(e.Message);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.EngineCommandFailed));
            Assert.That(e.Message, Does.Contain(_engineName + " load").And.Contain("exit code"));
        }

        [Test]
        public void Run_keeps_stdout_stderr_and_exit_code_apart()
        {
            var result = _engine.Run(Shell("echo out; echo err >&2; exit 3"), CancellationToken.None);
            Assert.That(result.ExitCode, Is.EqualTo(3));
            Assert.That(result.Stdout, Is.EqualTo("out\n"));
            Assert.That(result.Stderr, Is.EqualTo("err\n"));
            Assert.That(result.TimedOut, Is.False);
            Assert.That(ContainerExists(result.ContainerName), Is.False, "--rm");
        }

        [Test]
        public void Run_passes_environment_user_workdir_and_awkward_arguments_exactly()
        {
            const string value = "a \"quoted\" \\back\\\\slash\\ $HOME 'single' end\\";
            var request = new RunRequest(_image)
            {
                Entrypoint = new[] { "sh", "-c" },
                Args = { "printf '%s|%s|' \"$GREETING\" \"$1\"; id -u; pwd", "argv0", "second arg \"with\" quotes\\" },
                Environment = { ["GREETING"] = value },
                User = "1654",
                WorkingDirectory = "/tmp",
                Timeout = TimeSpan.FromMinutes(1),
            };
            var result = _engine.Run(request, CancellationToken.None);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
            Assert.That(result.Stdout, Is.EqualTo(value + "|second arg \"with\" quotes\\|1654\n/tmp\n"));
            Assert.That(result.CommandLine, Does.Contain("-e 'GREETING=***'").And.Not.Contain("quoted"), "values never shown");
        }

        [Test]
        public void Network_is_none_unless_asked_for()
        {
            var none = _engine.Run(Shell("ls /sys/class/net"), CancellationToken.None);
            Assert.That(none.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "lo" }));
            Assert.That(none.CommandLine, Does.Contain("--network none"));

            var request = Shell("ls /sys/class/net");
            request.Network = true;
            var host = _engine.Run(request, CancellationToken.None);
            Assert.That(host.CommandLine, Does.Contain("--network host"));
            var hostInterfaces = Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal);
            Assert.That(host.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(hostInterfaces), "the machine's network");
        }

        [Test]
        public void Platform_is_passed_and_a_mismatch_is_OCI4003()
        {
            var request = Shell("echo ok");
            request.Platform = "linux/amd64";
            Assert.That(_engine.Run(request, CancellationToken.None).Stdout, Is.EqualTo("ok\n"));

            request.Platform = "linux/arm64";
            var e = Assert.Throws<OciException>(() => _engine.Run(request, CancellationToken.None))!;
            TestContext.Out.WriteLine(e.Message);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.EngineCommandFailed));
            Assert.That(e.Message, Does.Contain("--platform linux/arm64").And.Contain("exit code 125"));
        }

        [Test]
        public void A_missing_image_is_OCI4003_and_a_missing_command_is_an_exit_code()
        {
            var e = Assert.Throws<OciException>(() => _engine.Run(new RunRequest("test/no-such-image:1"), CancellationToken.None))!;
            TestContext.Out.WriteLine(e.Message);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.EngineCommandFailed));
            Assert.That(e.Message, Does.Contain("test/no-such-image:1"));

            var missing = _engine.Run(new RunRequest(_image) { Entrypoint = new[] { "/no/such/program" } }, CancellationToken.None);
            Assert.That(missing.ExitCode, Is.EqualTo(127).Or.EqualTo(126), missing.Stderr);
        }

        [Test]
        public void Keep_then_Export_and_Commit_then_remove_twice()
        {
            var name = "ocimsbuild-keep-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var committed = "test/enginedriver-committed:" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var request = Shell("mkdir -p /out && echo written-in-run > /out/marker.txt");
            request.Name = name;
            request.Keep = true;
            var run = _engine.Run(request, CancellationToken.None);
            Assert.That(run.ExitCode, Is.EqualTo(0), run.Stderr);
            Assert.That(run.ContainerName, Is.EqualTo(name));
            Assert.That(ContainerExists(name), Is.True, "Keep: no --rm");

            string? marker = null;
            int entries = 0;
            _engine.Export(name, tar =>
            {
                using var reader = new TarReader(tar);
                for (var entry = reader.GetNextEntry(); entry != null; entry = reader.GetNextEntry())
                {
                    entries++;
                    if (entry.Name.TrimStart('.', '/') == "out/marker.txt")
                        marker = new StreamReader(entry.DataStream!).ReadToEnd();
                }
            }, CancellationToken.None);
            Assert.That(marker, Is.EqualTo("written-in-run\n"), $"in the export ({entries} entries)");

            // A reader that stops early: the rest is discarded, no hang, no error.
            _engine.Export(name, tar => tar.ReadByte(), CancellationToken.None);

            _engine.Commit(name, committed, CancellationToken.None);
            _engine.RemoveContainer(name, CancellationToken.None);
            Assert.That(ContainerExists(name), Is.False);
            _engine.RemoveContainer(name, CancellationToken.None);

            var check = _engine.Run(new RunRequest(committed) { Entrypoint = new[] { "sh", "-c", "cat /out/marker.txt" } }, CancellationToken.None);
            Assert.That(check.Stdout, Is.EqualTo("written-in-run\n"), check.Stderr);
            _engine.RemoveImage(committed, CancellationToken.None);
            _engine.RemoveImage(committed, CancellationToken.None);
            Assert.That(Cli("image", "inspect", committed).ExitCode, Is.Not.EqualTo(0), "image removed");

            var gone = Assert.Throws<OciException>(() => _engine.Export(name, tar => new TarReader(tar).GetNextEntry(), CancellationToken.None))!;
            TestContext.Out.WriteLine(gone.Message);
            Assert.That(gone.Code, Is.EqualTo(ErrorCodes.EngineCommandFailed), "the engine's failure, not the tar reader's");
        }

        [Test]
        public void Output_is_capped_and_read_without_deadlock()
        {
            var result = _engine.Run(Shell("head -c 6000000 /dev/zero | tr '\\0' o; head -c 300000 /dev/zero | tr '\\0' e >&2; echo END >&2"), CancellationToken.None);
            Assert.That(result.ExitCode, Is.EqualTo(0));
            Assert.That(result.Stdout.Length, Is.EqualTo(4 * 1024 * 1024));
            Assert.That(result.StdoutTruncated, Is.True);
            Assert.That(result.Stderr.Length, Is.EqualTo(64 * 1024));
            Assert.That(result.Stderr.Substring(result.Stderr.Length - 10), Is.EqualTo("eeeeeeEND\n"), "the tail of stderr is kept");
            Assert.That(result.Stdout.Trim('o'), Is.Empty);
            Assert.That(result.StderrTruncated, Is.True);
        }

        [Test]
        public void Timeout_and_cancellation_kill_the_cli_and_remove_the_container()
        {
            var request = Shell("sleep 60");
            request.Timeout = TimeSpan.FromSeconds(2);
            var clock = Stopwatch.StartNew();
            var result = _engine.Run(request, CancellationToken.None);
            Assert.That(result.TimedOut, Is.True);
            Assert.That(result.ExitCode, Is.EqualTo(-1));
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
            Assert.That(ContainerExists(result.ContainerName), Is.False, "removed after the timeout");

            var cancelled = Shell("sleep 60");
            cancelled.Name = "ocimsbuild-cancel-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            clock.Restart();
            Assert.That(() => _engine.Run(cancelled, cts.Token), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
            Assert.That(ContainerExists(cancelled.Name), Is.False, "removed after cancellation");
        }

        [Test]
        public void No_cli_on_PATH_is_OCI4001_naming_what_was_tried()
        {
            var empty = Path.Combine(_work, "empty-path");
            Directory.CreateDirectory(empty);
            var e = Assert.Throws<OciException>(() => ContainerEngine.Find("auto", Property, Env(("PATH", empty))))!;
            TestContext.Out.WriteLine(e.Message);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.EngineNotFound));
            Assert.That(e.Message, Does.Contain("docker: not found on PATH").And.Contain("podman: not found on PATH")
                .And.Contain("PATH searched: " + empty).And.Contain(Property));

            var one = Assert.Throws<OciException>(() => ContainerEngine.Find(_engineName, Property, Env(("PATH", empty))))!;
            Assert.That(one.Code, Is.EqualTo(ErrorCodes.EngineNotFound));
            Assert.That(one.Message, Does.Contain(_engineName + ": not found on PATH"));
        }

        [Test]
        public void A_cli_whose_engine_does_not_answer_is_OCI4002_with_the_host()
        {
            var variable = _engineName == ContainerEngine.Docker ? "DOCKER_HOST" : "CONTAINER_HOST";
            var e = Assert.Throws<OciException>(() => ContainerEngine.Find(_engineName, Property, Env((variable, "unix:///nonexistent.sock"))))!;
            TestContext.Out.WriteLine(e.Message);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.EngineNotAnswering));
            Assert.That(e.Message, Does.Contain(variable + "=unix:///nonexistent.sock").And.Contain("exited with code").And.Contain(_engine.Executable));

            // auto with both dead: every attempt is listed.
            var both = Assert.Throws<OciException>(() => ContainerEngine.Find("auto", Property,
                Env(("DOCKER_HOST", "unix:///nonexistent.sock"), ("CONTAINER_HOST", "unix:///nonexistent.sock"))))!;
            TestContext.Out.WriteLine(both.Message);
            Assert.That(both.Code, Is.EqualTo(ErrorCodes.EngineNotAnswering));
            Assert.That(both.Message, Does.Contain("docker (").And.Contain("podman (").And.Contain("auto"));
        }

        [Test]
        public void An_unknown_engine_is_OCI1031_naming_the_property()
        {
            var e = Assert.Throws<OciException>(() => ContainerEngine.Find("nerdctl", Property, _environment))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidEngine));
            Assert.That(e.Message, Does.Contain(Property).And.Contain("nerdctl").And.Contain("docker").And.Contain("podman"));
            Assert.That(ContainerEngine.Find(" " + _engineName.ToUpperInvariant() + " ", Property, _environment).Name, Is.EqualTo(_engineName), "case-insensitive");
        }
    }
}
