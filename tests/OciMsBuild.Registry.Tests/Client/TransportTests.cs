using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>TLS with certificate checks, a private CA, insecure registries, and HTTP proxies.</summary>
    [TestFixture]
    public sealed class TransportTests : ClientFixture
    {
        [Test]
        public async Task Tls_registry_needs_its_CA_or_an_insecure_listing()
        {
            using var tls = TlsMaterial.Create();
            using var registry = RegistryServer.StartTls(tls);
            var image = BuiltImages.Small(Store, Work, "tls");

            using (var strict = Connect())
            {
                var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(strict, Store).PushAsync(image, registry.Host, "app", new[] { "1" }))!;
                Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryTlsFailed), e.Message);
                Assert.That(e.Message, Does.Contain("ContainerInsecureRegistries").And.Contain("SSL_CERT_FILE"));
            }

            Env["SSL_CERT_FILE"] = tls.CaCertificatePath;
            using (var withCa = Connect())
            {
                var result = await new ImagePusher(withCa, Store).PushAsync(image, registry.Host, "app", new[] { "1" });
                Assert.That(result.BlobsUploaded, Is.EqualTo(2));
            }
            Env.Remove("SSL_CERT_FILE");

            using (var insecure = Connect(FastOptions(o => o.InsecureRegistries.Add(registry.Host))))
            {
                var result = await new ImagePusher(insecure, Store).PushAsync(image, registry.Host, "app", new[] { "2" });
                Assert.That(result.ManifestPresent && result.BlobsUploaded == 0 && result.TagsApplied == 1, Is.True,
                    "same image, found by digest over HTTPS without verification: only the new tag is put");
            }
            var inspect = Skopeo.Run("inspect", "--raw", "--cert-dir", tls.CaCertificateDirectory, $"docker://{registry.Host}/app:2");
            Assert.That(inspect.ExitCode, Is.EqualTo(0), inspect.StdErr);
        }

        [Test]
        public async Task Http_proxy_from_the_environment_is_used_for_a_name_only_the_proxy_resolves()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = ForwardProxy.Start(registry.Host);
            Env["HTTP_PROXY"] = proxy.ProxyUrl;
            Env["NO_PROXY"] = "example.com";
            const string name = "registry.invalid:5000";
            var image = BuiltImages.Small(Store, Work, "proxied");
            using var connections = Connect(FastOptions(o => o.InsecureRegistries.Add(name)));
            var result = await new ImagePusher(connections, Store).PushAsync(image, name, "app", new[] { "1" });
            Assert.That(result.BlobsUploaded, Is.EqualTo(2));
            Assert.That(proxy.RequestedUris, Has.Some.StartsWith("http://registry.invalid:5000/v2/"));
            Assert.That(registry.Storage.Tags("app"), Is.EqualTo(new[] { "1" }));
        }

        [Test]
        public void Plain_http_is_refused_for_a_remote_registry_that_is_not_listed()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = ForwardProxy.Start(registry.Host);
            Env["HTTP_PROXY"] = proxy.ProxyUrl;
            Env["HTTPS_PROXY"] = proxy.ProxyUrl;
            var image = BuiltImages.Small(Store, Work, "refused");
            using var connections = Connect(FastOptions(o => o.MaxRetries = 0));
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, "registry.invalid:5000", "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.Not.EqualTo(ErrorCodes.RegistryError).And.StartsWith("OCI2"));
            Assert.That(proxy.RequestedUris.Where(u => u.StartsWith("http://")), Is.Empty, "never plain HTTP to a non-loopback, non-listed registry");
        }
    }
}
