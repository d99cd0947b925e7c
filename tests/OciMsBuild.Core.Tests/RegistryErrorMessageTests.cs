using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Core.Tests
{
    /// <summary>The registry codes whose situations the real-registry tests cannot provoke: each message names what to change.</summary>
    public class RegistryErrorMessageTests
    {
        private static readonly RegistryEndpoint Endpoint = new RegistryEndpoint("registry.example.invalid:5000", new RegistryOptions());

        private static OciException Code(string expected, TestDelegate action)
        {
            var e = Assert.Throws<OciException>(action)!;
            Assert.That(e.Code, Is.EqualTo(expected), e.Message);
            return e;
        }

        [TestCase("https://registry.example.invalid/")]
        [TestCase("registry.example.invalid/team")]
        [TestCase("bad host")]
        public void A_registry_that_is_not_host_and_port_is_OCI1020(string value)
        {
            var e = Code(ErrorCodes.InvalidRegistry, () => RegistryNames.Validate(value));
            Assert.That(e.Message, Does.Contain("ContainerRegistry '" + value + "'").And.Contain("host[:port]"));
            Assert.That(RegistryNames.Validate("LocalHost:5000"), Is.EqualTo("localhost:5000"));
        }

        [TestCase("0", null, null, null, "ContainerRegistryTimeout")]
        [TestCase(null, "-1", null, null, "ContainerRegistryRetries")]
        [TestCase(null, null, "1024", null, "ContainerRegistryChunkSize")]
        [TestCase(null, null, null, "33", "ContainerRegistryParallelUploads")]
        [TestCase("ten", null, null, null, "ContainerRegistryTimeout")]
        public void Out_of_range_registry_settings_are_OCI1021(string? timeout, string? retries, string? chunk, string? parallel, string property)
        {
            var e = Code(ErrorCodes.InvalidRegistrySetting, () => RegistryOptions.From(null, null, timeout, retries, chunk, parallel));
            Assert.That(e.Message, Does.StartWith(property + " '").And.Contain("use whole"));
        }

        [Test]
        public void An_unknown_pull_policy_is_OCI1021_listing_the_valid_ones()
        {
            var e = Code(ErrorCodes.InvalidRegistrySetting, () => PullPolicies.Parse("Sometimes"));
            Assert.That(e.Message, Does.Contain("ContainerBaseImagePullPolicy 'Sometimes'").And.Contain("Always").And.Contain("IfNotPresent").And.Contain("Never"));
            Assert.That(PullPolicies.Parse(" never "), Is.EqualTo(PullPolicy.Never));
        }

        [Test]
        public void A_403_is_OCI2004_saying_which_right_is_missing()
        {
            using var http = new HttpClient();
            var auth = new RegistryAuthenticator(Endpoint, RegistryAccess.Push, new CredentialResolver(_ => null, "/nonexistent-home"), http, new TokenCache());
            var e = RegistryFailures.FromResponse(HttpStatusCode.Forbidden,
                "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}", "pushing team/app", Endpoint, auth);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryDenied));
            Assert.That(e.Message, Does.Contain("403 Forbidden").And.Contain("pushing team/app").And.Contain("push rights").And.Contain("requested access to the resource is denied"));
        }

        [Test]
        public void A_timeout_after_retries_is_OCI2010_naming_the_property_to_raise()
        {
            var e = RegistryFailures.ToError(new TimeoutException("The operation has timed out."), "uploading a layer", Endpoint, RegistryAccess.Push, 3, CancellationToken.None);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryTimeout));
            Assert.That(e.Message, Does.Contain("did not answer in time while uploading a layer (after 3 retries)").And.Contain("ContainerRegistryTimeout"));
        }
    }
}
