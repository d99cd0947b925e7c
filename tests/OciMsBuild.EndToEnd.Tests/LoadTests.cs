using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>ContainerLoad: the image into a real Docker Engine and into podman, then run from there.</summary>
    [TestFixture, NonParallelizable]
    public sealed class LoadTests : DockerFixture
    {
        private static long BytesSent(ProcessResult result)
        {
            var match = Regex.Match(result.Output, @"loaded .* into docker .*: ([\d,]+) bytes sent, (\d+) layer\(s\) sent, (\d+) it already had");
            Assert.That(match.Success, Is.True, "no load line in:\n" + ProcessResult.Tail(result.Output, 3000));
            return long.Parse(match.Groups[1].Value.Replace(",", ""));
        }

        [Test]
        public void Loads_into_docker_with_every_tag_and_after_an_edit_sends_only_what_docker_lacks()
        {
            var project = TestProject.Console();
            string[] properties = { "-r", "linux-x64", Base("runtime"), "-p:ContainerLoad=docker", "-p:ContainerImageTags=\"1.0;latest\"" };
            var first = project.PublishWith(Docker, properties).AssertSuccess("publish and load");
            var firstBytes = BytesSent(first);
            var images = DockerEngine.Docker("images", "--format", "{{.Repository}}:{{.Tag}}").AssertSuccess("docker images").Output;
            Assert.That(images, Does.Contain("helloapp:1.0").And.Contain("helloapp:latest"));
            Assert.That(DockerEngine.Docker("run", "--rm", "--network", "none", "helloapp:1.0").AssertSuccess("docker run").Output, Does.Contain("Hello, container!"));

            var same = project.PublishWith(Docker, properties).AssertSuccess("publish again, nothing changed");
            Assert.That(same.Output, Does.Contain("is already in docker; nothing sent"));

            project.Edit("Program.cs", text => text.Replace("Console.WriteLine(message", "Console.WriteLine(\"edited \" + message"));
            var second = project.PublishWith(Docker, properties).AssertSuccess("publish and load after an edit");
            var secondBytes = BytesSent(second);
            TestContext.Out.WriteLine($"docker load: first {firstBytes:N0} bytes, after a one-line edit {secondBytes:N0} bytes");
            Assert.That(secondBytes * 10, Is.LessThan(firstBytes), "the base, runtime and package layers are not sent again");
            Assert.That(Regex.IsMatch(second.Output, @"1 layer\(s\) sent, [1-9]\d* it already had"), Is.True, "only the app layer");
            Assert.That(DockerEngine.Docker("run", "--rm", "--network", "none", "helloapp:latest").AssertSuccess("docker run after the edit").Output, Does.Contain("edited Hello, container!"));
        }

        [Test]
        public void A_two_platform_image_loads_the_engines_platform()
        {
            var project = TestProject.Console(name: "MultiLoad");
            project.PublishWith(Docker, "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"", Base("runtime-all"), "-p:ContainerLoad=docker")
                .AssertSuccess("two-platform publish and load");
            var arch = DockerEngine.Docker("image", "inspect", "--format", "{{.Architecture}}", "multiload:latest").AssertSuccess("docker image inspect").Output.Trim();
            Assert.That(arch, Is.EqualTo("amd64"));
        }

        [Test]
        public void Loads_into_podman_and_without_an_engine_says_what_was_tried()
        {
            using var podman = PrivatePodman.Create();
            var project = TestProject.Console();
            var env = podman.Environment.ToDictionary(p => p.Key, p => p.Value);
            project.PublishWith(env, "-r", "linux-x64", Base("runtime"), "-p:ContainerLoad=podman").AssertSuccess("publish and load into podman");
            Assert.That(podman.Podman("run", "--rm", "--network", "none", "helloapp:latest").AssertSuccess("podman run").Output, Does.Contain("Hello, container!"));

            var empty = Path.Combine(TestProject.NewRoot(), "empty-path");
            Directory.CreateDirectory(empty);
            var line = project.PublishWith(new Dictionary<string, string?> { ["PATH"] = empty, ["DOCKER_HOST"] = null }, "-r", "linux-x64", Base("runtime"), "-p:ContainerLoad=auto")
                .AssertCodedFailure("OCI4001");
            Assert.That(line, Does.Contain("docker").And.Contain("podman"));
        }
    }
}
