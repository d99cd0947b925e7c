using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// A private real Docker Engine (tests/scripts/dockerd.sh) for one fixture: `docker load` and
    /// `docker run` exactly as users and CI run them. Dispose stops it and deletes its data.
    /// </summary>
    public sealed class DockerEngine : IDisposable
    {
        private readonly string _directory;

        private DockerEngine(string directory, string dockerHost)
        {
            _directory = directory;
            DockerHost = dockerHost;
        }

        public string DockerHost { get; }

        public static DockerEngine Start()
        {
            TestEnvironment.RequireTool("dockerd");
            TestEnvironment.RequireTool("docker");
            // Short path: the socket path must stay under the unix socket limit (108 bytes).
            var directory = Path.Combine(Path.GetTempPath(), "ocid-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var started = ProcessRunner.Run(Path.Combine(TestEnvironment.Scripts, "dockerd.sh"), new[] { "start", directory }, TestEnvironment.RepoRoot,
                timeout: TimeSpan.FromMinutes(2)).AssertSuccess("dockerd.sh start");
            var host = started.Output.Split('\n').Select(l => l.Trim()).Last(l => l.StartsWith("DOCKER_HOST=")).Substring("DOCKER_HOST=".Length);
            return new DockerEngine(directory, host);
        }

        public ProcessResult Docker(params string[] args) =>
            ProcessRunner.Run("docker", args, TestEnvironment.RepoRoot, new Dictionary<string, string?> { ["DOCKER_HOST"] = DockerHost }, TimeSpan.FromMinutes(5));

        public void Dispose() =>
            ProcessRunner.Run(Path.Combine(TestEnvironment.Scripts, "dockerd.sh"), new[] { "stop", _directory }, TestEnvironment.RepoRoot, timeout: TimeSpan.FromMinutes(1));
    }
}
