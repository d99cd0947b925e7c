using System.Collections.Generic;
using NUnit.Framework;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>A fixture with one private real Docker Engine for all its tests, and the test base images.</summary>
    public abstract class DockerFixture
    {
        protected DockerEngine DockerEngine { get; private set; } = null!;

        [OneTimeSetUp]
        public void StartDocker() => DockerEngine = DockerEngine.Start();

        [OneTimeTearDown]
        public void StopDocker() => DockerEngine?.Dispose();

        /// <summary>The build's environment that points the docker CLI at the fixture's engine.</summary>
        protected Dictionary<string, string?> Docker => new Dictionary<string, string?> { ["DOCKER_HOST"] = DockerEngine.DockerHost };

        protected static string Base(string tag) => "-p:ContainerBaseImage=oci-layout://" + TestEnvironment.BaseLayout + ":" + tag;
    }
}
