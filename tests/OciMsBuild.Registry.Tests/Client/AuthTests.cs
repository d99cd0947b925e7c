using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>Basic and token auth against the real registry, credentials from every source, secrets never in errors.</summary>
    [TestFixture]
    public sealed class AuthTests : ClientFixture
    {
        private const string User = "builder";
        private const string Password = "s3cret-Pa55-for-tests";

        private void DockerConfig(JObject config)
        {
            var dir = Path.Combine(Work, "docker");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "config.json"), config.ToString());
            Env["DOCKER_CONFIG"] = dir;
        }

        private static string Basic(string user, string password) =>
            System.Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + password));

        [Test]
        public async Task Basic_auth_with_environment_credentials()
        {
            using var registry = RegistryServer.StartBasic(User, Password);
            Env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = User;
            Env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = Password;
            var image = BuiltImages.Small(Store, Work, "basic");
            using var connections = Connect();
            var result = await new ImagePusher(connections, Store).PushAsync(image, registry.Host, "app", new[] { "1" });
            Assert.That(result.BlobsUploaded, Is.EqualTo(2));
            var inspect = Skopeo.Run("inspect", "--raw", "--tls-verify=false", "--creds", User + ":" + Password, $"docker://{registry.Host}/app:1");
            Assert.That(inspect.ExitCode, Is.EqualTo(0), inspect.StdErr);
        }

        [Test]
        public void Wrong_password_is_OCI2003_naming_the_source_but_never_the_secret()
        {
            using var registry = RegistryServer.StartBasic(User, Password);
            const string wrong = "Wr0ng-Secret-Value";
            DockerConfig(new JObject { ["auths"] = new JObject { [registry.Host] = new JObject { ["auth"] = Basic(User, wrong) } } });
            var image = BuiltImages.Small(Store, Work, "denied");
            using var connections = Connect();
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, registry.Host, "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnauthorized));
            Assert.That(e.Message, Does.Contain("config.json"));
            Assert.That(e.ToString() + AllLog, Does.Not.Contain(wrong).And.Not.Contain(Basic(User, wrong)));
            Assert.That(registry.Storage.Repositories(), Is.Empty, "nothing was pushed");
        }

        [Test]
        public async Task Bearer_tokens_from_the_token_server_are_cached_per_scope()
        {
            using var tokens = TokenServer.Start(User, Password);
            using var registry = RegistryServer.StartToken(tokens);
            DockerConfig(new JObject { ["auths"] = new JObject { ["http://" + registry.Host + "/v2/"] = new JObject { ["auth"] = Basic(User, Password) } } });
            var image = BuiltImages.Build(Store, Work, new System.Collections.Generic.Dictionary<string, byte[]> { ["a"] = BuiltImages.Noise(1000, 1), ["b"] = BuiltImages.Noise(1000, 2) });
            using var connections = Connect();
            var result = await new ImagePusher(connections, Store).PushAsync(image, registry.Host, "team/app", new[] { "1", "2" });
            Assert.That(result.BlobsUploaded, Is.EqualTo(2));
            Assert.That(tokens.GrantedCount, Is.EqualTo(1), "one token for repository:team/app:pull,push, reused for every request: " + string.Join("; ", tokens.Requests));
            Assert.That(tokens.Requests.Single().Scopes, Has.Some.Contains("team/app"));
            var inspect = Skopeo.Run("inspect", "--raw", "--tls-verify=false", "--creds", User + ":" + Password, $"docker://{registry.Host}/team/app:2");
            Assert.That(inspect.ExitCode, Is.EqualTo(0), inspect.StdErr);
        }

        [Test]
        public async Task Identity_token_uses_the_OAuth2_refresh_grant()
        {
            using var tokens = TokenServer.Start(User, Password);
            using var registry = RegistryServer.StartToken(tokens);
            DockerConfig(new JObject { ["auths"] = new JObject { [registry.Host] = new JObject { ["identitytoken"] = tokens.RefreshToken } } });
            var image = BuiltImages.Small(Store, Work, "oauth");
            using var connections = Connect();
            await new ImagePusher(connections, Store).PushAsync(image, registry.Host, "app", new[] { "1" });
            Assert.That(tokens.Requests.Where(r => r.Granted).Select(r => r.Method + " " + r.GrantType), Is.All.EqualTo("POST refresh_token"));
        }

        [Test]
        public void Token_server_refusal_is_OCI2003_without_the_password()
        {
            using var tokens = TokenServer.Start(User, Password);
            using var registry = RegistryServer.StartToken(tokens);
            const string wrong = "Not-The-Password-42";
            Env["DOTNET_CONTAINER_REGISTRY_UNAME"] = User;
            Env["DOTNET_CONTAINER_REGISTRY_PWORD"] = wrong;
            var image = BuiltImages.Small(Store, Work, "x");
            using var connections = Connect();
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, registry.Host, "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnauthorized));
            Assert.That(e.Message, Does.Contain("DOTNET_CONTAINER_REGISTRY_UNAME"));
            Assert.That(e.ToString() + AllLog, Does.Not.Contain(wrong));
        }

        [Test]
        public async Task Credential_helper_from_credHelpers_is_run()
        {
            using var registry = RegistryServer.StartBasic(User, Password);
            using var helper = CredentialHelperScript.Create("octest", new CredentialHelperEntry(registry.Host, User, Password));
            Env["PATH"] = helper.BinDirectory + Path.PathSeparator + Env["PATH"];
            DockerConfig(new JObject { ["credHelpers"] = new JObject { [registry.Host] = "octest" } });
            var image = BuiltImages.Small(Store, Work, "helper");
            using var connections = Connect();
            await new ImagePusher(connections, Store).PushAsync(image, registry.Host, "app", new[] { "1" });
            Assert.That(helper.Invocations, Has.Some.EqualTo(new CredentialHelperInvocation("get", registry.Host)));
        }

        [Test]
        public void Anonymous_push_to_a_token_registry_is_refused_with_the_sources_tried()
        {
            using var tokens = TokenServer.Start(User, Password);
            using var registry = RegistryServer.StartToken(tokens);
            var image = BuiltImages.Small(Store, Work, "anon");
            using var connections = Connect();
            var e = Assert.ThrowsAsync<OciException>(() => new ImagePusher(connections, Store).PushAsync(image, registry.Host, "app", new[] { "1" }))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnauthorized));
            Assert.That(e.Message, Does.Contain("anonymous"));
        }
    }
}
