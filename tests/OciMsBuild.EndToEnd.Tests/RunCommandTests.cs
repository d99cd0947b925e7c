using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// ContainerRunCommand: commands run in a container of the base image through a real Docker
    /// Engine (and podman); their changes are one deterministic layer between the base and the app,
    /// cached by base, platform, commands and inputs.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class RunCommandTests : DockerFixture
    {
        private const string WriteAndDelete =
            "mkdir -p /opt/tools %26%26 cp $OCIMSBUILD_INPUTS/tool.sh /opt/tools/ %26%26 chmod 755 /opt/tools/tool.sh %26%26 rm /etc/os-release %26%26 [ ! -e /sys/class/net/eth0 ]";

        private static TestProject WithCommands(string command, string? inputs = "tool.sh")
        {
            var project = TestProject.Console();
            File.WriteAllText(Path.Combine(project.Directory_, "tool.sh"), "#!/bin/sh\necho tool v1\n");
            project.Edit(project.Name + ".csproj", text => text.Replace("</Project>",
                $"  <ItemGroup><ContainerRunCommand Include=\"install\" Command=\"{command}\" Inputs=\"{inputs}\" /></ItemGroup>\n</Project>"));
            return project;
        }

        private static string RunLayer(TestProject project) => new ImageOnDisk(project.LayoutPath, project.SummaryPath).Layer("run").Digest;

        [Test]
        public void Commands_make_one_layer_that_adds_and_deletes_files_and_is_reused_without_running_anything()
        {
            var project = WithCommands(WriteAndDelete);
            var first = project.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker").AssertSuccess("publish with a run command");
            Assert.That(first.Output, Does.Contain("warning OCI4021"), "the step is said to be non-hermetic");
            Assert.That(first.Output, Does.Contain("running 1 ContainerRunCommand(s) for linux/amd64 in docker"));
            TestContext.Out.WriteLine(string.Join("\n", first.Output.Split('\n').Where(l => l.Contains("OciMsBuild") || l.Contains("_OciRun") || l.Contains("_OciBuildImage"))));
            var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
            var kinds = image.Layers.Select(l => l.Kind).ToList();
            TestContext.Out.WriteLine(string.Join(", ", kinds));
            Assert.That(kinds.IndexOf("run"), Is.EqualTo(kinds.LastIndexOf("base") + 1), "right after the base, before the app's layers");
            var runDigest = RunLayer(project);

            // The layer itself: our deterministic tar, with a whiteout for the deleted file and nothing of the engine's.
            var entries = TarList(image.BlobPath(runDigest));
            TestContext.Out.WriteLine(string.Join("\n", entries));
            Assert.That(entries, Does.Contain("opt/tools/tool.sh").And.Contain("etc/.wh.os-release"));
            Assert.That(entries.Where(e => e.Contains("hostname") || e.Contains("resolv.conf") || e.Contains("dockerenv") || e.StartsWith("proc") || e.StartsWith("ocimsbuild")), Is.Empty);
            Assert.That(entries, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));

            var run = ImageTools.Run("oci:" + project.LayoutPath + ":latest", new Dictionary<string, string?> { ["ENTRYPOINT"] = "sh" }, "-c", "/opt/tools/tool.sh; [ -e /etc/os-release ] && echo os-release-present || echo os-release-gone")
                .AssertSuccess("run the image");
            Assert.That(run.Output, Does.Contain("tool v1").And.Contain("os-release-gone"));

            // Second build, with the engine gone: the layer comes from the cache, so nothing can have run.
            var noEngine = new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock", ["PATH"] = EmptyPath() };
            project.Edit("Program.cs", text => text + "\n// edited\n");
            var second = project.PublishWith(noEngine, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker").AssertSuccess("publish again, engine unreachable");
            Assert.That(second.Output, Does.Contain("reused from the cache").And.Not.Contain("warning OCI4021"));
            Assert.That(RunLayer(project), Is.EqualTo(runDigest));

            // A changed input file or command makes the layer again.
            File.WriteAllText(Path.Combine(project.Directory_, "tool.sh"), "#!/bin/sh\necho tool v2\n");
            var input = project.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker").AssertSuccess("publish after an input changed");
            Assert.That(input.Output, Does.Contain("warning OCI4021"));
            var v2 = RunLayer(project);
            Assert.That(v2, Is.Not.EqualTo(runDigest));
            project.Edit(project.Name + ".csproj", text => text.Replace("chmod 755", "chmod 700"));
            project.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker").AssertSuccess("publish after the command changed");
            Assert.That(RunLayer(project), Is.Not.EqualTo(v2));
            Assert.That(DockerEngine.Docker("ps", "-a", "-q").AssertSuccess("docker ps").Output.Trim(), Is.Empty, "no container is left");
            Assert.That(DockerEngine.Docker("images", "-q").AssertSuccess("docker images").Output.Trim(), Is.Empty, "no image is left");

            // Without the commands the image is built again without the layer.
            project.Edit(project.Name + ".csproj", text => System.Text.RegularExpressions.Regex.Replace(text, "<ItemGroup><ContainerRunCommand [^>]*/></ItemGroup>", ""));
            project.PublishWith(noEngine, "-r", "linux-x64", Base("runtime")).AssertSuccess("publish without run commands");
            Assert.That(new ImageOnDisk(project.LayoutPath, project.SummaryPath).Layers.Select(l => l.Kind), Does.Not.Contain("run"));
        }

        [Test]
        public void Two_builds_from_empty_caches_give_the_same_run_layer_through_docker_and_podman()
        {
            var project = WithCommands(WriteAndDelete);
            var cacheA = Path.Combine(TestProject.NewRoot(), "cache-a");
            project.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker", "-p:ContainerBlobCachePath=" + cacheA).AssertSuccess("docker build");
            var viaDocker = RunLayer(project);
            var dockerEntries = TarListVerbose(new ImageOnDisk(project.LayoutPath, project.SummaryPath).BlobPath(viaDocker));

            using var podman = PrivatePodman.Create();
            var cacheB = Path.Combine(TestProject.NewRoot(), "cache-b");
            project.PublishWith(podman.Environment.ToDictionary(p => p.Key, p => p.Value), "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=podman",
                "-p:ContainerBlobCachePath=" + cacheB).AssertSuccess("podman build");
            var podmanEntries = TarListVerbose(new ImageOnDisk(project.LayoutPath, project.SummaryPath).BlobPath(RunLayer(project)));
            TestContext.Out.WriteLine("docker:\n" + string.Join("\n", dockerEntries) + "\npodman:\n" + string.Join("\n", podmanEntries));
            Assert.That(podmanEntries, Is.EqualTo(dockerEntries));
            Assert.That(RunLayer(project), Is.EqualTo(viaDocker), "same commands on the same base: the same layer, whichever engine ran them");
        }

        [Test]
        public void A_failing_command_stops_the_build_with_its_exit_code_and_output()
        {
            var project = WithCommands("echo preparing %26%26 echo broken >%262 %26%26 exit 7", inputs: null);
            var line = project.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker").AssertCodedFailure("OCI4020");
            Assert.That(line, Does.Contain("exited with 7"));
            var result = project.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunEngine=docker");
            Assert.That(result.Output, Does.Contain("broken"), "the tail of its output");
            Assert.That(Directory.Exists(project.LayoutPath), Is.False, "nothing is written");
            Assert.That(DockerEngine.Docker("ps", "-a", "-q").AssertSuccess("docker ps").Output.Trim(), Is.Empty, "the failed container is removed");
            Assert.That(DockerEngine.Docker("images", "-q").AssertSuccess("docker images").Output.Trim(), Is.Empty, "the loaded base is removed");

            var bad = WithCommands("true", inputs: "missing.sh");
            Assert.That(bad.PublishWith(Docker, "-r", "linux-x64", Base("runtime")).AssertCodedFailure("OCI1033"), Does.Contain("missing.sh"));
            var network = WithCommands("true", inputs: null);
            Assert.That(network.PublishWith(Docker, "-r", "linux-x64", Base("runtime"), "-p:ContainerRunNetwork=maybe").AssertCodedFailure("OCI1033"),
                Does.Contain("ContainerRunNetwork"));
        }

        [Test]
        public void Each_platform_runs_the_commands_in_its_own_base_arm64_under_QEMU()
        {
            TestEnvironment.RequireTool("qemu-aarch64-static");
            var project = WithCommands("mkdir -p /opt %26%26 uname -m > /opt/arch", inputs: null);
            try
            {
                Emulation("on").AssertSuccess("arm64-emulation.sh on");
                project.PublishWith(Docker, "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"", Base("runtime-all"), "-p:ContainerRunEngine=docker")
                    .AssertSuccess("two-platform publish with a run command");
            }
            finally
            {
                Emulation("off");
            }
            var summary = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(project.SummaryPath));
            var archs = summary["platforms"]!.ToDictionary(p => (string)p["runtimeIdentifier"]!,
                p => (string)p["layers"]!.Single(l => (string)l["kind"]! == "run")["digest"]!);
            string ArchIn(string digest) => ProcessRunner.Run("tar", new[] { "xzf", new ImageOnDisk(project.LayoutPath, project.SummaryPath).BlobPath(digest), "-O", "opt/arch" })
                .AssertSuccess("tar x opt/arch").Output.Trim();
            Assert.That(ArchIn(archs["linux-x64"]), Is.EqualTo("x86_64"));
            Assert.That(ArchIn(archs["linux-arm64"]), Is.EqualTo("aarch64"), "the arm64 base's own shell ran (under QEMU)");
        }

        private static ProcessResult Emulation(string verb) =>
            ProcessRunner.Run(Path.Combine(TestEnvironment.Scripts, "arm64-emulation.sh"), new[] { verb }, TestEnvironment.RepoRoot);

        private static string EmptyPath()
        {
            var dir = Path.Combine(TestProject.NewRoot(), "empty-path");
            Directory.CreateDirectory(dir);
            return dir;
        }

        private static List<string> TarListVerbose(string blob) =>
            ProcessRunner.Run("tar", new[] { "tvzf", blob, "--numeric-owner" }).AssertSuccess("tar tvzf").Output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

        private static List<string> TarList(string blob)
        {
            var list = ProcessRunner.Run("tar", new[] { "tzf", blob }).AssertSuccess("tar tzf");
            return list.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        }
    }
}
