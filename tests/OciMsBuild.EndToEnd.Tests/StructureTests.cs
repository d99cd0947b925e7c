using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// ContainerStructureTest: container-structure-test YAML files run on the built image before it
    /// is pushed or written. Static tests on the image's own layers; command tests in a real Docker
    /// Engine and in podman; every platform of a multi-arch image.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class StructureTests
    {
        private static string Base(string tag) => "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":" + tag;

        private static TestProject WithTests(TestProject project, string yaml, string file = "image-tests.yaml")
        {
            File.WriteAllText(Path.Combine(project.Directory_, file), yaml);
            project.Edit(project.Name + ".csproj", text => text.Replace("</Project>",
                $"  <ItemGroup><ContainerStructureTest Include=\"{file}\" /></ItemGroup>\n</Project>"));
            return project;
        }

        private static string WorkDirectory(TestProject project) => Path.Combine(project.Directory_, "obj", "container", "Release", "net10.0");
        private static string ReportPath(TestProject project) => Path.Combine(WorkDirectory(project), "structure-tests.xml");

        private static XElement Report(TestProject project) => XDocument.Load(ReportPath(project)).Root!;

        private const string PassingStatic = @"schemaVersion: '2.0.0'
fileExistenceTests:
  - name: the app
    path: /app/HelloApp.dll
    permissions: '-rw-r--r--'
    uid: 0
  - name: a shell through two symbolic links
    path: /bin/sh
    isExecutableBy: any
  - name: no package manager
    path: /usr/bin/apt-get
    shouldExist: false
fileContentTests:
  - name: app user
    path: /etc/passwd
    expectedContents: ['(?m)^app:x:1654:']
metadataTest:
  workdir: /app
  envVars:
    - key: DOTNET_RUNNING_IN_CONTAINER
      value: 'true'
  labels:
    - key: org.opencontainers.image.title
      value: HelloApp
";

        [Test]
        public void Static_tests_pass_on_the_built_image_with_a_line_per_test_and_a_JUnit_report_and_are_skipped_when_nothing_changed()
        {
            var project = WithTests(TestProject.Console(), PassingStatic);
            var first = project.Publish("-r", "linux-x64", Base("runtime")).AssertSuccess("publish with structure tests");
            TestContext.Out.WriteLine(string.Join("\n", first.Output.Split('\n').Where(l => l.Contains("PASS") || l.Contains("structure tests"))));
            Assert.That(first.Output, Does.Contain("PASS [linux/amd64] File Existence Test: a shell through two symbolic links (image-tests.yaml)"));
            Assert.That(first.Output, Does.Match(@"structure tests: 5 passed, 0 failed, 0 skipped on linux/amd64 in \d+\.\d\d s"));
            var report = Report(project);
            Assert.That((string?)report.Attribute("tests"), Is.EqualTo("5"));
            Assert.That((string?)report.Attribute("failures"), Is.EqualTo("0"));
            Assert.That(report.Descendants("testcase").Select(c => (string?)c.Attribute("name")), Does.Contain("Metadata Test: metadata"));
            Assert.That(Directory.Exists(project.LayoutPath), Is.True, "a passing image is written");
            Assert.That(first.Output, Does.Contain("OciMsBuild: to run it, build with -p:ContainerLoad=docker (or podman), or copy it: skopeo copy oci:" + project.LayoutPath + ":latest docker-daemon:helloapp:latest"),
                "with only a layout, one line says how to load it");

            var again = project.Publish("-r", "linux-x64", Base("runtime")).AssertSuccess("publish again, nothing changed");
            Assert.That(again.Output, Does.Not.Contain("structure tests:"), "same image, same tests: not run again");
            Assert.That(again.Output, Does.Contain("Skipping target \"_OciStructureTest\""));
        }

        [Test]
        public void Failing_tests_fail_the_build_with_one_coded_error_each_and_nothing_is_pushed()
        {
            using var registry = RegistryServer.StartAnonymous();
            var project = WithTests(TestProject.Console(), @"schemaVersion: 2.0.0
fileExistenceTests:
  - name: app is private
    path: /app/HelloApp.dll
    permissions: '-rw-------'
  - name: health script
    path: /app/health.sh
metadataTest:
  user: app
  envVars:
    - key: DOTNET_RUNNING_IN_CONTAINER
      value: 'false'
");
            var result = project.Publish("-r", "linux-x64", Base("runtime"), "-p:ContainerUser=root",
                "-p:ContainerRegistry=" + registry.Host, "-p:ContainerRepository=team/tested");
            result.AssertCodedFailure("OCI4010");
            var yaml = Path.Combine(project.Directory_, "image-tests.yaml");
            // MSBuild repeats every error in its summary: count each once.
            var errors = result.Output.Split('\n').Where(l => l.Contains("error OCI4010:")).Select(l => l.Trim()).Select(l => l.StartsWith("1>") ? l.Substring(2) : l).Distinct().ToList();
            TestContext.Out.WriteLine(string.Join("\n", errors));
            Assert.That(errors, Has.Count.EqualTo(3));
            Assert.That(errors, Has.All.StartWith(yaml + " : error OCI4010"), "each error names the YAML file");
            Assert.That(errors.Single(e => e.Contains("'app is private'")), Does.Contain("Expected: -rw-------, Actual: -rw-r--r--"));
            Assert.That(errors.Single(e => e.Contains("'health script'")), Does.Contain("should exist but does not"));
            Assert.That(errors.Single(e => e.Contains("(Metadata Test)")), Does.Contain("user 'root'").And.Contain("DOTNET_RUNNING_IN_CONTAINER value 'true'"));
            Assert.That(registry.Storage.Tags("team/tested"), Is.Empty, "a failing image is never pushed");
            Assert.That((string?)Report(project).Attribute("failures"), Is.EqualTo("3"), "the JUnit report is written on failure too");

            // The failure is not remembered as up to date: the same build fails again.
            project.Publish("-r", "linux-x64", Base("runtime"), "-p:ContainerUser=root",
                "-p:ContainerRegistry=" + registry.Host, "-p:ContainerRepository=team/tested").AssertCodedFailure("OCI4010");
        }

        [Test]
        public void A_base_file_deleted_by_an_upper_layer_does_not_exist()
        {
            // A base whose top layer deletes /etc/os-release and the folder /etc/ssl: made by umoci, which writes OCI whiteouts.
            var root = TestProject.NewRoot();
            var layout = Path.Combine(root, "base");
            ImageTools.Skopeo("copy", "oci:" + TestEnvironment.BaseLayout + ":runtime", "oci:" + layout + ":runtime").AssertSuccess("copy base");
            var bundle = Path.Combine(root, "bundle");
            ProcessRunner.Run("umoci", new[] { "unpack", "--image", layout + ":runtime", bundle }).AssertSuccess("umoci unpack");
            File.Delete(Path.Combine(bundle, "rootfs", "etc", "os-release"));
            Directory.Delete(Path.Combine(bundle, "rootfs", "etc", "ssl"), recursive: true);
            ProcessRunner.Run("umoci", new[] { "repack", "--image", layout + ":trimmed", bundle }).AssertSuccess("umoci repack");

            var project = WithTests(TestProject.Console(), @"schemaVersion: 2.0.0
fileExistenceTests:
  - name: os-release deleted
    path: /etc/os-release
    shouldExist: false
  - name: a file in a deleted folder
    path: /etc/ssl/certs/ca-certificates.crt
    shouldExist: false
  - name: passwd kept
    path: /etc/passwd
");
            var result = project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=oci-layout://" + layout + ":trimmed").AssertSuccess("publish over a base with whiteouts");
            Assert.That(result.Output, Does.Contain("structure tests: 3 passed, 0 failed"));
        }

        private const string CommandTests = @"schemaVersion: 2.0.0
globalEnvVars:
  - key: GREETING
    value: hello
  - key: PATH
    value: /env/bin:$PATH
commandTests:
  - name: the app runs
    command: dotnet
    args: [/app/HelloApp.dll]
    expectedOutput: ['Hello, container!']
  - name: env, stderr and exit code
    command: sh
    args: ['-c', 'echo $GREETING from $WHO; echo oops >&2; exit 3']
    envVars: [{key: WHO, value: test}]
    expectedOutput: ['^hello from test']
    expectedError: ['oops']
    exitCode: 3
  - name: setup is committed before the command
    setup: [['sh', '-c', 'echo prepared > /tmp/state']]
    command: sh
    args: ['-c', 'read line < /tmp/state; echo ""got $line""']
    expectedOutput: ['got prepared']
  - name: no network
    command: sh
    args: ['-c', 'for i in /sys/class/net/*; do echo $i; done']
    expectedOutput: ['/sys/class/net/lo']
    excludedOutput: ['eth0']
  - name: global env values expand the image's variables
    command: sh
    args: ['-c', 'echo $PATH']
    expectedOutput: ['^/env/bin:/usr/local/sbin:']
";

        [Test]
        public void Command_tests_run_in_a_real_Docker_Engine()
        {
            using var docker = DockerEngine.Start();
            var project = WithTests(TestProject.Console(), CommandTests);
            var result = project.PublishWith(new Dictionary<string, string?> { ["DOCKER_HOST"] = docker.DockerHost },
                "-r", "linux-x64", Base("runtime"), "-p:ContainerStructureTestEngine=docker").AssertSuccess("publish with command tests in docker");
            Assert.That(result.Output, Does.Contain("command tests run in docker"));
            Assert.That(result.Output, Does.Contain("structure tests: 5 passed, 0 failed, 0 skipped"));
            var images = docker.Docker("images", "--format", "{{.Repository}}:{{.Tag}}").AssertSuccess("docker images").Output;
            Assert.That(images, Does.Not.Contain("ocimsbuild"), "the test image and every intermediate image are removed");
            Assert.That(docker.Docker("ps", "-a", "-q").AssertSuccess("docker ps").Output.Trim(), Is.Empty, "no container is left");

            File.WriteAllText(Path.Combine(project.Directory_, "image-tests.yaml"), CommandTests.Replace("exitCode: 3", "exitCode: 0"));
            var failed = project.PublishWith(new Dictionary<string, string?> { ["DOCKER_HOST"] = docker.DockerHost },
                "-r", "linux-x64", Base("runtime"), "-p:ContainerStructureTestEngine=docker");
            Assert.That(failed.AssertCodedFailure("OCI4010"), Does.Contain("'env, stderr and exit code'").And.Contain("Expected: 0, Actual: 3"));
        }

        [Test]
        public void Command_tests_run_in_podman()
        {
            using var podman = PrivatePodman.Create();
            var project = WithTests(TestProject.Console(), CommandTests);
            var result = project.PublishWith(podman.Environment.ToDictionary(p => p.Key, p => p.Value),
                "-r", "linux-x64", Base("runtime"), "-p:ContainerStructureTestEngine=podman").AssertSuccess("publish with command tests in podman");
            Assert.That(result.Output, Does.Contain("command tests run in podman"));
            Assert.That(result.Output, Does.Contain("structure tests: 5 passed, 0 failed, 0 skipped"));
            Assert.That(podman.Podman("images", "--format", "{{.Repository}}").AssertSuccess("podman images").Output, Does.Not.Contain("ocimsbuild"));
        }

        [Test]
        public void Without_docker_or_podman_command_tests_are_a_coded_error_unless_skipped_which_is_reported()
        {
            var empty = Path.Combine(TestProject.NewRoot(), "empty-path");
            Directory.CreateDirectory(empty);
            var project = WithTests(TestProject.Console(), CommandTests);
            var noEngine = new Dictionary<string, string?> { ["PATH"] = empty, ["DOCKER_HOST"] = null, ["CONTAINER_HOST"] = null };
            var line = project.PublishWith(noEngine, "-r", "linux-x64", Base("runtime")).AssertCodedFailure("OCI4001");
            Assert.That(line, Does.Contain("docker").And.Contain("podman"), "says what was tried");

            var skipped = project.PublishWith(noEngine, "-r", "linux-x64", Base("runtime"), "-p:ContainerStructureTestSkipCommands=true")
                .AssertSuccess("publish with command tests skipped");
            Assert.That(skipped.Output, Does.Contain("warning OCI4011").And.Contain("5 command test(s) skipped on linux/amd64: ContainerStructureTestSkipCommands=true"));
            Assert.That((string?)Report(project).Attribute("skipped"), Is.EqualTo("5"));
            var again = project.PublishWith(noEngine, "-r", "linux-x64", Base("runtime"), "-p:ContainerStructureTestSkipCommands=true")
                .AssertSuccess("the same publish again");
            Assert.That(again.Output, Does.Contain("warning OCI4011"), "a skip is not remembered as a pass: it is reported again");
        }

        private static ProcessResult Emulation(string verb) =>
            ProcessRunner.Run(Path.Combine(TestEnvironment.Scripts, "arm64-emulation.sh"), new[] { verb }, TestEnvironment.RepoRoot);

        [Test]
        public void Every_platform_of_a_multi_arch_image_is_tested_and_arm64_commands_run_under_QEMU_or_are_skipped_with_the_reason()
        {
            TestEnvironment.RequireTool("qemu-aarch64-static");
            using var podman = PrivatePodman.Create();
            const string Yaml = @"schemaVersion: 2.0.0
fileExistenceTests:
  - name: the app
    path: /app/HelloApp.dll
commandTests:
  - name: a shell of the image's own architecture runs
    command: sh
    args: ['-c', 'echo ran']
    expectedOutput: ['^ran']
";
            var project = WithTests(TestProject.Console(), Yaml);
            var env = podman.Environment.ToDictionary(p => p.Key, p => p.Value);
            string[] properties = { "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"", Base("runtime-all"), "-p:ContainerStructureTestEngine=podman" };
            try
            {
                Emulation("on").AssertSuccess("arm64-emulation.sh on");
                var emulated = project.PublishWith(env, properties).AssertSuccess("two-platform publish, arm64 emulated");
                Assert.That(emulated.Output, Does.Contain("structure tests: 4 passed, 0 failed, 0 skipped on linux/amd64, linux/arm64/v8"));
                Assert.That(emulated.Output, Does.Contain("PASS [linux/arm64/v8] Command Test: a shell of the image's own architecture runs"));
                var suites = Report(project).Elements("testsuite").Select(s => (string?)s.Attribute("name")).ToList();
                Assert.That(suites, Is.EqualTo(new[] { "image-tests.yaml [linux/amd64]", "image-tests.yaml [linux/arm64/v8]" }));

                Emulation("off").AssertSuccess("arm64-emulation.sh off");
                File.WriteAllText(Path.Combine(project.Directory_, "image-tests.yaml"), Yaml.Replace("name: the app", "name: the app dll"));
                var skipped = project.PublishWith(env, properties).AssertSuccess("two-platform publish, no arm64 emulation");
                Assert.That(skipped.Output, Does.Contain("structure tests: 3 passed, 0 failed, 1 skipped"));
                Assert.That(skipped.Output, Does.Contain("warning OCI4011").And.Contain("1 command test(s) skipped on linux/arm64/v8: linux/arm64/v8 cannot run here")
                    .And.Contain("no QEMU interpreter for aarch64"));
            }
            finally
            {
                Emulation("off");
            }
        }
    }
}
