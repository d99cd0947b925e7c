using System;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>A base whose repository does not exist is a different mistake from a base whose tag or digest does not: the real registry's tag list tells them apart.</summary>
    [TestFixture]
    public sealed class NotFoundTests : ClientFixture
    {
        [Test]
        public async Task A_missing_repository_and_a_missing_tag_are_told_apart()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var connections = Connect();
            await new ImagePusher(connections, Store).PushAsync(BuiltImages.Small(Store, Work, "only amd64"), registry.Host, "team/single", new[] { "1" });
            Func<RegistryClient> pull = () => connections.Client(registry.Host, RegistryAccess.Pull);
            var reader = new RegistryBaseReader(Store);

            var noRepository = Assert.ThrowsAsync<OciException>(() =>
                reader.PinAsync(ImageReference.Parse($"{registry.Host}/team/singel:1", "base"), BuiltImages.Amd64, PullPolicy.Always, pull))!;
            Assert.That(noRepository.Code, Is.EqualTo(ErrorCodes.RegistryNotFound));
            Assert.That(noRepository.Message, Does.Contain($"the repository 'team/singel' does not exist in registry {registry.Host} (NAME_UNKNOWN)"));
            Assert.That(noRepository.Message, Does.Not.Contain("tag"));

            var noTag = Assert.ThrowsAsync<OciException>(() =>
                reader.PinAsync(ImageReference.Parse($"{registry.Host}/team/single:2", "base"), BuiltImages.Amd64, PullPolicy.Always, pull))!;
            Assert.That(noTag.Code, Is.EqualTo(ErrorCodes.RegistryNotFound));
            Assert.That(noTag.Message, Does.Contain($"the tag '2' does not exist in {registry.Host}/team/single. Tags there: 1."));

            // By digest the manifest GET fails, and the registry says MANIFEST_UNKNOWN whether or not the repository exists.
            var digest = "sha256:" + new string('a', 64);
            var noRepositoryByDigest = Assert.ThrowsAsync<OciException>(() =>
                reader.PinAsync(ImageReference.Parse($"{registry.Host}/team/singel@{digest}", "base"), BuiltImages.Amd64, PullPolicy.Always, pull))!;
            Assert.That(noRepositoryByDigest.Code, Is.EqualTo(ErrorCodes.RegistryNotFound));
            Assert.That(noRepositoryByDigest.Message, Does.Contain("the repository 'team/singel' does not exist").And.Contain("NAME_UNKNOWN"));
            var noManifestByDigest = Assert.ThrowsAsync<OciException>(() =>
                reader.PinAsync(ImageReference.Parse($"{registry.Host}/team/single@{digest}", "base"), BuiltImages.Amd64, PullPolicy.Always, pull))!;
            Assert.That(noManifestByDigest.Code, Is.EqualTo(ErrorCodes.RegistryNotFound));
            Assert.That(noManifestByDigest.Message, Does.Contain($"{registry.Host}/team/single has no manifest {digest}. Tags there: 1."));
        }
    }
}
