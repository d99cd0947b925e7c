using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class CredentialResolverTests
    {
        private const string Password = "Pa55-w0rd-never-shown";
        private const string Token = "identity-token-never-shown";
        private const string Local = "127.0.0.1:5000";

        private TempDir _temp = null!;
        private Dictionary<string, string> _env = null!;
        private string _home = null!;
        private string _bin = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _home = _temp.Combine("home");
            _bin = _temp.Combine("bin");
            Directory.CreateDirectory(_home);
            Directory.CreateDirectory(_bin);
            // Only what the test sets: the real user's config and variables must not leak in.
            _env = new Dictionary<string, string>
            {
                ["PATH"] = _bin + Path.PathSeparator + "/usr/local/bin:/usr/bin:/bin",
                ["HOME"] = _home,
            };
        }

        [TearDown]
        public void TearDown() => _temp.Dispose();

        private CredentialResolver Resolver(TimeSpan? helperTimeout = null)
        {
            var env = new Dictionary<string, string>(_env);
            var resolver = new CredentialResolver(name => env.TryGetValue(name, out var v) ? v : null, _home);
            if (helperTimeout != null) resolver.HelperTimeout = helperTimeout.Value;
            return resolver;
        }

        private string DockerConfigPath => Path.Combine(_home, ".docker", "config.json");

        private string WriteDockerConfig(string json)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(DockerConfigPath)!);
            File.WriteAllText(DockerConfigPath, json);
            return DockerConfigPath;
        }

        private static string Basic(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

        private static string AuthsJson(string key, string entry) => "{\"auths\":{\"" + key + "\":" + entry + "}}";

        private static void RequireBash()
        {
            if (OperatingSystem.IsWindows() || !File.Exists("/bin/bash")) Assert.Fail("The credential helper tests need /bin/bash (Linux CI); a missing tool fails, it never skips.");
        }

        private static void AssertNoSecret(string text)
        {
            Assert.That(text, Does.Not.Contain(Password));
            Assert.That(text, Does.Not.Contain(Token));
            Assert.That(text, Does.Not.Contain(Basic("alice", Password)));
        }

        private static void AssertNoSecret(CredentialLookup lookup)
        {
            foreach (var t in lookup.Tried) AssertNoSecret(t);
            if (lookup.Credential != null)
            {
                AssertNoSecret(lookup.Credential.ToString());
                AssertNoSecret(lookup.Credential.Source);
            }
        }

        // ---- config.json auths ----

        [Test]
        public void Config_auth_field_gives_user_and_password()
        {
            var path = WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            var c = lookup.Credential!;
            Assert.Multiple(() =>
            {
                Assert.That(c.Username, Is.EqualTo("alice"));
                Assert.That(c.Password, Is.EqualTo(Password));
                Assert.That(c.IdentityToken, Is.Null);
                Assert.That(c.Source, Is.EqualTo(path + " (auths \"127.0.0.1:5000\")"));
                Assert.That(c.ToString(), Is.EqualTo("credential from " + path + " (auths \"127.0.0.1:5000\")"));
                Assert.That(lookup.Tried.Last(), Is.EqualTo(c.Source));
            });
            AssertNoSecret(lookup);
        }

        [Test]
        public void Password_may_contain_colons()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("alice", "a:b:c") + "\"}"));
            var c = Resolver().Find(Local, RegistryAccess.Pull).Credential!;
            Assert.That((c.Username, c.Password), Is.EqualTo(("alice", "a:b:c")));
        }

        [Test]
        public void Config_username_and_password_fields()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"username\":\"bob\",\"password\":\"" + Password + "\"}"));
            var c = Resolver().Find(Local, RegistryAccess.Pull).Credential!;
            Assert.That((c.Username, c.Password), Is.EqualTo(("bob", Password)));
        }

        [Test]
        public void Config_identitytoken_gives_a_refresh_token_and_no_password()
        {
            WriteDockerConfig(AuthsJson("myreg.azurecr.io", "{\"auth\":\"" + Basic("00000000-0000-0000-0000-000000000000", "") + "\",\"identitytoken\":\"" + Token + "\"}"));
            var lookup = Resolver().Find("myreg.azurecr.io", RegistryAccess.Push);
            var c = lookup.Credential!;
            Assert.Multiple(() =>
            {
                Assert.That(c.IdentityToken, Is.EqualTo(Token));
                Assert.That(c.Password, Is.Null);
                Assert.That(c.Username, Is.EqualTo("00000000-0000-0000-0000-000000000000"));
            });
            AssertNoSecret(lookup);
        }

        [Test]
        public void Identitytoken_alone_is_enough()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"identitytoken\":\"" + Token + "\"}"));
            var c = Resolver().Find(Local, RegistryAccess.Push).Credential!;
            Assert.That((c.Username, c.Password, c.IdentityToken), Is.EqualTo(((string?)null, (string?)null, Token)));
        }

        [TestCase("https://index.docker.io/v1/")]
        [TestCase("index.docker.io")]
        [TestCase("registry-1.docker.io")]
        [TestCase("docker.io")]
        [TestCase("HTTPS://Index.Docker.IO/v1/")]
        [TestCase("https://registry-1.docker.io/v2/")]
        public void Docker_hub_keys_match_docker_io(string key)
        {
            WriteDockerConfig(AuthsJson(key, "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            var lookup = Resolver().Find("docker.io", RegistryAccess.Pull);
            Assert.That(lookup.Credential?.Username, Is.EqualTo("alice"));
            Assert.That(lookup.Credential!.Source, Does.Contain("\"" + key + "\""));
        }

        [Test]
        public void Docker_hub_aliases_as_registry_find_the_canonical_key()
        {
            WriteDockerConfig(AuthsJson("https://index.docker.io/v1/", "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            Assert.That(Resolver().Find("registry-1.docker.io", RegistryAccess.Pull).Credential?.Username, Is.EqualTo("alice"));
            Assert.That(Resolver().Find("index.docker.io", RegistryAccess.Pull).Credential?.Username, Is.EqualTo("alice"));
        }

        [TestCase("https://myreg.example.com", "myreg.example.com")]
        [TestCase("https://myreg.example.com/v2/", "myreg.example.com")]
        [TestCase("http://127.0.0.1:5000/", "127.0.0.1:5000")]
        [TestCase("http://127.0.0.1:5000/v2/some/path", "127.0.0.1:5000")]
        [TestCase("MyReg.Example.COM", "myreg.example.com")]
        [TestCase("myreg.example.com", "MYREG.example.com")]
        [TestCase("myreg.example.com/", "myreg.example.com")]
        public void Scheme_and_path_are_stripped_and_host_is_case_insensitive(string key, string registry)
        {
            WriteDockerConfig(AuthsJson(key, "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            Assert.That(Resolver().Find(registry, RegistryAccess.Push).Credential?.Username, Is.EqualTo("alice"));
        }

        [TestCase("myreg.example.com", "myreg.example.com:5000")]
        [TestCase("myreg.example.com:5000", "myreg.example.com")]
        [TestCase("https://other.example.com/myreg.example.com", "myreg.example.com")]
        [TestCase("docker.io", "quay.io")]
        public void Other_hosts_and_ports_do_not_match(string key, string registry)
        {
            var path = WriteDockerConfig(AuthsJson(key, "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            var lookup = Resolver().Find(registry, RegistryAccess.Push);
            Assert.That(lookup.Credential, Is.Null);
            Assert.That(lookup.Tried, Does.Contain(path + " (no entry for " + registry.ToLowerInvariant() + ")"));
        }

        [Test]
        public void The_key_spelled_like_the_registry_wins_over_other_spellings()
        {
            WriteDockerConfig("{\"auths\":{" +
                "\"https://myreg.example.com/\":{\"auth\":\"" + Basic("first", Password) + "\"}," +
                "\"myreg.example.com\":{\"auth\":\"" + Basic("exact", Password) + "\"}}}");
            Assert.That(Resolver().Find("myreg.example.com", RegistryAccess.Push).Credential?.Username, Is.EqualTo("exact"));
        }

        [Test]
        public void Docker_config_env_variable_points_to_another_folder()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("home", Password) + "\"}"));
            var other = _temp.Write("dockercfg/config.json", AuthsJson(Local, "{\"auth\":\"" + Basic("other", Password) + "\"}"));
            _env["DOCKER_CONFIG"] = Path.GetDirectoryName(other)!;
            var c = Resolver().Find(Local, RegistryAccess.Push).Credential!;
            Assert.That(c.Username, Is.EqualTo("other"));
            Assert.That(c.Source, Does.StartWith(other));
        }

        [Test]
        public void Home_comes_from_the_injected_environment_when_not_given()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            var env = new Dictionary<string, string>(_env);
            var resolver = new CredentialResolver(name => env.TryGetValue(name, out var v) ? v : null);
            Assert.That(resolver.Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("alice"));
        }

        [Test]
        public void Empty_config_file_is_no_credential()
        {
            WriteDockerConfig("  \n");
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential, Is.Null);
        }

        // ---- credential helpers (real scripts) ----

        [Test]
        public void Cred_helper_is_run_with_the_registry_on_stdin()
        {
            RequireBash();
            var helper = new FakeCredentialHelper(_bin, "test", FakeCredentialHelper.Answer("helperuser", Password));
            var path = WriteDockerConfig("{\"credHelpers\":{\"" + Local + "\":\"test\"}}");
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            var c = lookup.Credential!;
            Assert.Multiple(() =>
            {
                Assert.That(helper.Invocations, Is.EqualTo(new[] { "get|127.0.0.1:5000" }));
                Assert.That((c.Username, c.Password, c.IdentityToken), Is.EqualTo(("helperuser", Password, (string?)null)));
                Assert.That(c.Source, Is.EqualTo("credential helper docker-credential-test (credHelpers in " + path + ")"));
            });
            AssertNoSecret(lookup);
        }

        [Test]
        public void Cred_helper_for_docker_hub_gets_the_legacy_server_url()
        {
            RequireBash();
            var helper = new FakeCredentialHelper(_bin, "hub", FakeCredentialHelper.Answer("hubuser", Password));
            WriteDockerConfig("{\"credHelpers\":{\"https://index.docker.io/v1/\":\"hub\"}}");
            var c = Resolver().Find("docker.io", RegistryAccess.Pull).Credential!;
            Assert.That(helper.Invocations, Is.EqualTo(new[] { "get|https://index.docker.io/v1/" }));
            Assert.That(c.Username, Is.EqualTo("hubuser"));
        }

        [Test]
        public void Cred_helper_takes_precedence_over_auths()
        {
            RequireBash();
            new FakeCredentialHelper(_bin, "test", FakeCredentialHelper.Answer("helperuser", Password));
            WriteDockerConfig("{\"auths\":{\"" + Local + "\":{\"auth\":\"" + Basic("fileuser", Password) + "\"}},\"credHelpers\":{\"" + Local + "\":\"test\"}}");
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("helperuser"));
        }

        [Test]
        public void Cred_helper_token_username_means_identity_token()
        {
            RequireBash();
            new FakeCredentialHelper(_bin, "acr", FakeCredentialHelper.Answer("<token>", Token));
            WriteDockerConfig("{\"credHelpers\":{\"myreg.azurecr.io\":\"acr\"}}");
            var lookup = Resolver().Find("myreg.azurecr.io", RegistryAccess.Push);
            var c = lookup.Credential!;
            Assert.That((c.Username, c.Password, c.IdentityToken), Is.EqualTo(((string?)null, (string?)null, Token)));
            AssertNoSecret(lookup);
        }

        [Test]
        public void Empty_auths_entry_falls_through_to_creds_store()
        {
            RequireBash();
            var store = new FakeCredentialHelper(_bin, "desktop", FakeCredentialHelper.Answer("storeuser", Password));
            var path = WriteDockerConfig("{\"auths\":{\"" + Local + "\":{}},\"credsStore\":\"desktop\"}");
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.Multiple(() =>
            {
                Assert.That(lookup.Credential?.Username, Is.EqualTo("storeuser"));
                Assert.That(lookup.Credential?.Source, Is.EqualTo("credential helper docker-credential-desktop (credsStore in " + path + ")"));
                Assert.That(store.Invocations, Is.EqualTo(new[] { "get|127.0.0.1:5000" }));
            });
        }

        [Test]
        public void Creds_store_is_used_when_there_is_no_auths_entry_and_not_when_there_is_one()
        {
            RequireBash();
            var store = new FakeCredentialHelper(_bin, "desktop", FakeCredentialHelper.Answer("storeuser", Password));
            WriteDockerConfig("{\"auths\":{\"myreg.example.com\":{\"auth\":\"" + Basic("fileuser", Password) + "\"}},\"credsStore\":\"desktop\"}");
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("storeuser"));
            Assert.That(Resolver().Find("myreg.example.com", RegistryAccess.Push).Credential?.Username, Is.EqualTo("fileuser"));
            Assert.That(store.Invocations, Has.Count.EqualTo(1));
        }

        [Test]
        public void Helper_without_credentials_means_anonymous()
        {
            RequireBash();
            var helper = new FakeCredentialHelper(_bin, "pass", "echo 'credentials not found in native keychain'; exit 1");
            var path = WriteDockerConfig("{\"credHelpers\":{\"" + Local + "\":\"pass\"}}");
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.Multiple(() =>
            {
                Assert.That(lookup.Credential, Is.Null);
                Assert.That(helper.Invocations, Has.Count.EqualTo(1));
                Assert.That(lookup.Tried, Does.Contain("credential helper docker-credential-pass (credHelpers in " + path + ") (no credentials for 127.0.0.1:5000)"));
            });
        }

        [Test]
        public void Helper_without_credentials_falls_through_to_the_podman_file()
        {
            RequireBash();
            new FakeCredentialHelper(_bin, "desktop", "echo 'credentials not found' >&2; exit 1");
            WriteDockerConfig("{\"credsStore\":\"desktop\"}");
            _temp.Write("home/.config/containers/auth.json", AuthsJson(Local, "{\"auth\":\"" + Basic("podman", Password) + "\"}"));
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("podman"));
        }

        [Test]
        public void Failing_helper_is_OCI2011_with_its_stderr_and_no_secret()
        {
            RequireBash();
            new FakeCredentialHelper(_bin, "broken",
                FakeCredentialHelper.Answer("alice", Password) + "\n" +
                "echo \"gpg: decryption failed: No secret key (was " + Password + ")\" >&2\n" +
                "exit 3");
            WriteDockerConfig("{\"credHelpers\":{\"" + Local + "\":\"broken\"}}");
            var e = Assert.Throws<OciException>(() => Resolver().Find(Local, RegistryAccess.Push))!;
            Assert.Multiple(() =>
            {
                Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
                Assert.That(e.Code, Is.EqualTo("OCI2011"));
                Assert.That(e.Message, Does.Contain("docker-credential-broken"));
                Assert.That(e.Message, Does.Contain(Local));
                Assert.That(e.Message, Does.Contain("exit code 3"));
                Assert.That(e.Message, Does.Contain("gpg: decryption failed: No secret key"));
            });
            AssertNoSecret(e.Message);
            AssertNoSecret(e.ToString());
        }

        [Test]
        public void Helper_printing_something_else_than_json_is_OCI2011_without_the_output()
        {
            RequireBash();
            new FakeCredentialHelper(_bin, "weird", "echo 'user=alice password=" + Password + "'");
            WriteDockerConfig("{\"credHelpers\":{\"" + Local + "\":\"weird\"}}");
            var e = Assert.Throws<OciException>(() => Resolver().Find(Local, RegistryAccess.Push))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
            Assert.That(e.Message, Does.Contain("docker-credential-weird").And.Contain("not the expected JSON"));
            AssertNoSecret(e.Message);
        }

        [Test]
        public void Missing_helper_is_OCI2011_naming_it()
        {
            WriteDockerConfig("{\"credHelpers\":{\"" + Local + "\":\"nothere\"}}");
            var e = Assert.Throws<OciException>(() => Resolver().Find(Local, RegistryAccess.Push))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
            Assert.That(e.Message, Does.Contain("docker-credential-nothere").And.Contain("not found on PATH").And.Contain(_bin).And.Contain(Local));
        }

        [Test]
        public void Hanging_helper_is_stopped_and_reported()
        {
            RequireBash();
            new FakeCredentialHelper(_bin, "slow", "exec sleep 30");
            WriteDockerConfig("{\"credsStore\":\"slow\"}");
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<OciException>(() => Resolver(TimeSpan.FromSeconds(1)).Find(Local, RegistryAccess.Push))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
            Assert.That(e.Message, Does.Contain("docker-credential-slow").And.Contain("did not answer within 1 s"));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));
        }

        [Test]
        public void Helper_name_with_a_path_is_refused()
        {
            var path = WriteDockerConfig("{\"credsStore\":\"../../bin/sh\"}");
            var e = Assert.Throws<OciException>(() => Resolver().Find(Local, RegistryAccess.Push))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
            Assert.That(e.Message, Does.Contain(path).And.Contain("credsStore"));
        }

        // ---- malformed files ----

        [TestCase("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" + Password + "\"", "not valid JSON")]
        [TestCase("[\"" + Password + "\"]", "top level must be a JSON object")]
        [TestCase("{\"auths\":[\"" + Password + "\"]}", "\"auths\" must be an object")]
        [TestCase("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":12345}}}", "auths \"127.0.0.1:5000\".auth must be a string")]
        [TestCase("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"%%" + Password + "%%\"}}}", "not valid base64")]
        [TestCase("{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"UGE1NS13MHJkLW5ldmVyLXNob3du\"}}}", "does not decode to \"user:password\"")]
        [TestCase("{\"credHelpers\":\"" + Password + "\"}", "\"credHelpers\" must be an object")]
        [TestCase("{\"auths\":{}} {\"" + Password + "\":1}", "not valid JSON (line 1, position")]
        public void Malformed_config_is_OCI2011_naming_file_and_problem_without_content(string json, string problem)
        {
            var path = WriteDockerConfig(json);
            var e = Assert.Throws<OciException>(() => Resolver().Find(Local, RegistryAccess.Push))!;
            Assert.Multiple(() =>
            {
                Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
                Assert.That(e.Message, Does.Contain(path));
                Assert.That(e.Message, Does.Contain(problem));
            });
            AssertNoSecret(e.Message);
        }

        [Test]
        public void Broken_auth_of_another_registry_does_not_matter()
        {
            WriteDockerConfig("{\"auths\":{\"other.example.com\":{\"auth\":\"%%%\"},\"" + Local + "\":{\"auth\":\"" + Basic("alice", Password) + "\"}}}");
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("alice"));
        }

        [Test]
        public void Config_path_that_is_a_directory_is_OCI2011()
        {
            Directory.CreateDirectory(DockerConfigPath);
            var e = Assert.Throws<OciException>(() => Resolver().Find(Local, RegistryAccess.Push))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.CredentialSourceFailed));
            Assert.That(e.Message, Does.Contain(DockerConfigPath).And.Contain("directory"));
        }

        // ---- podman / containers auth.json ----

        [Test]
        public void Registry_auth_file_is_read()
        {
            var file = _temp.Write("elsewhere/my-auth.json", AuthsJson(Local, "{\"auth\":\"" + Basic("podman", Password) + "\"}"));
            _env["REGISTRY_AUTH_FILE"] = file;
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.That(lookup.Credential?.Username, Is.EqualTo("podman"));
            Assert.That(lookup.Credential!.Source, Is.EqualTo(file + " (auths \"127.0.0.1:5000\")"));
        }

        [Test]
        public void Registry_auth_file_replaces_the_default_podman_files()
        {
            _temp.Write("home/.config/containers/auth.json", AuthsJson(Local, "{\"auth\":\"" + Basic("default", Password) + "\"}"));
            _env["REGISTRY_AUTH_FILE"] = _temp.Combine("missing.json");
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.That(lookup.Credential, Is.Null);
            Assert.That(lookup.Tried, Does.Contain(_temp.Combine("missing.json") + " (not found)"));
        }

        [Test]
        public void Xdg_runtime_dir_auth_file_is_read()
        {
            var file = _temp.Write("run/containers/auth.json", AuthsJson("quay.io", "{\"auth\":\"" + Basic("runtime", Password) + "\"}"));
            _env["XDG_RUNTIME_DIR"] = _temp.Combine("run");
            var lookup = Resolver().Find("quay.io", RegistryAccess.Pull);
            Assert.That(lookup.Credential?.Username, Is.EqualTo("runtime"));
            Assert.That(lookup.Credential!.Source, Does.StartWith(file));
        }

        [Test]
        public void Home_config_containers_auth_file_is_read_after_the_runtime_one()
        {
            _temp.Write("run/containers/auth.json", AuthsJson("other.example.com", "{\"auth\":\"" + Basic("runtime", Password) + "\"}"));
            _temp.Write("home/.config/containers/auth.json", AuthsJson("quay.io", "{\"auth\":\"" + Basic("config", Password) + "\"}"));
            _env["XDG_RUNTIME_DIR"] = _temp.Combine("run");
            Assert.That(Resolver().Find("quay.io", RegistryAccess.Pull).Credential?.Username, Is.EqualTo("config"));
        }

        [Test]
        public void Docker_config_comes_before_podman_file()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("docker", Password) + "\"}"));
            _temp.Write("home/.config/containers/auth.json", AuthsJson(Local, "{\"auth\":\"" + Basic("podman", Password) + "\"}"));
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("docker"));
        }

        [Test]
        public void Podman_namespace_keys_do_not_stand_for_the_whole_registry()
        {
            _temp.Write("home/.config/containers/auth.json", AuthsJson("quay.io/someorg", "{\"auth\":\"" + Basic("ns", Password) + "\"}"));
            Assert.That(Resolver().Find("quay.io", RegistryAccess.Pull).Credential, Is.Null);
        }

        [Test]
        public void Podman_cred_helpers_are_honoured()
        {
            RequireBash();
            var helper = new FakeCredentialHelper(_bin, "secretservice", FakeCredentialHelper.Answer("ss", Password));
            var file = _temp.Write("home/.config/containers/auth.json", "{\"credHelpers\":{\"quay.io\":\"secretservice\"}}");
            var c = Resolver().Find("quay.io", RegistryAccess.Pull).Credential!;
            Assert.That(c.Username, Is.EqualTo("ss"));
            Assert.That(c.Source, Is.EqualTo("credential helper docker-credential-secretservice (credHelpers in " + file + ")"));
            Assert.That(helper.Invocations, Is.EqualTo(new[] { "get|quay.io" }));
        }

        // ---- environment variables ----

        [Test]
        public void Push_variables_win_over_generic_and_legacy_ones_and_over_files()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("file", Password) + "\"}"));
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push";
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = Password;
            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "generic";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD"] = Password;
            _env["SDK_CONTAINER_REGISTRY_UNAME"] = "legacy";
            _env["SDK_CONTAINER_REGISTRY_PWORD"] = Password;
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.Multiple(() =>
            {
                Assert.That(lookup.Credential?.Username, Is.EqualTo("push"));
                Assert.That(lookup.Credential?.Password, Is.EqualTo(Password));
                Assert.That(lookup.Credential?.Source, Is.EqualTo("environment variables DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD"));
                Assert.That(lookup.Tried, Is.EqualTo(new[] { "environment variables DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD" }));
            });
            AssertNoSecret(lookup);
        }

        [Test]
        public void Pull_ignores_push_variables_and_uses_pull_ones()
        {
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push";
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = Password;
            Assert.That(Resolver().Find(Local, RegistryAccess.Pull).Credential, Is.Null);

            _env["DOTNET_CONTAINER_PULL_REGISTRY_UNAME"] = "pull";
            _env["DOTNET_CONTAINER_PULL_REGISTRY_PWORD"] = Password;
            Assert.That(Resolver().Find(Local, RegistryAccess.Pull).Credential?.Username, Is.EqualTo("pull"));
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("push"));
        }

        [Test]
        public void Generic_then_legacy_variables_serve_both_directions()
        {
            _env["SDK_CONTAINER_REGISTRY_UNAME"] = "legacy";
            _env["SDK_CONTAINER_REGISTRY_PWORD"] = Password;
            var lookup = Resolver().Find(Local, RegistryAccess.Pull);
            Assert.That(lookup.Credential?.Username, Is.EqualTo("legacy"));
            Assert.That(lookup.Tried, Is.EqualTo(new[]
            {
                "environment variables DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD and DOTNET_CONTAINER_REGISTRY_UNAME/PWORD (not set)",
                "environment variables SDK_CONTAINER_REGISTRY_UNAME/PWORD",
            }));

            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "generic";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD"] = Password;
            Assert.That(Resolver().Find(Local, RegistryAccess.Pull).Credential?.Username, Is.EqualTo("generic"));
            Assert.That(Resolver().Find(Local, RegistryAccess.Push).Credential?.Username, Is.EqualTo("generic"));
        }

        [Test]
        public void Half_set_or_empty_pairs_do_not_count()
        {
            WriteDockerConfig(AuthsJson(Local, "{\"auth\":\"" + Basic("file", Password) + "\"}"));
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "push";
            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "generic";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD"] = "";
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.That(lookup.Credential?.Username, Is.EqualTo("file"));
            Assert.That(lookup.Tried[0], Does.Contain("DOTNET_CONTAINER_PUSH_REGISTRY_UNAME is set without DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"));
            AssertNoSecret(lookup);
        }

        // ---- anonymous ----

        [Test]
        public void Anonymous_lists_every_source_tried()
        {
            var path = WriteDockerConfig(AuthsJson("myreg.example.com", "{\"auth\":\"" + Basic("alice", Password) + "\"}"));
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.That(lookup.Credential, Is.Null);
            Assert.That(lookup.Tried, Is.EqualTo(new[]
            {
                "environment variables DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD, DOTNET_CONTAINER_REGISTRY_UNAME/PWORD and SDK_CONTAINER_REGISTRY_UNAME/PWORD (not set)",
                path + " (no entry for 127.0.0.1:5000)",
                Path.Combine(_home, ".config", "containers", "auth.json") + " (not found)",
            }));
            AssertNoSecret(lookup);
        }

        [Test]
        public void Anonymous_with_nothing_configured()
        {
            _env["XDG_RUNTIME_DIR"] = _temp.Combine("run");
            var lookup = Resolver().Find("docker.io", RegistryAccess.Pull);
            Assert.That(lookup.Credential, Is.Null);
            Assert.That(lookup.Tried, Is.EqualTo(new[]
            {
                "environment variables DOTNET_CONTAINER_PULL_REGISTRY_UNAME/PWORD, DOTNET_CONTAINER_REGISTRY_UNAME/PWORD and SDK_CONTAINER_REGISTRY_UNAME/PWORD (not set)",
                DockerConfigPath + " (not found)",
                Path.Combine(_temp.Combine("run"), "containers", "auth.json") + " (not found)",
                Path.Combine(_home, ".config", "containers", "auth.json") + " (not found)",
            }));
        }

        [Test]
        public void Empty_auths_entry_without_creds_store_is_reported()
        {
            var path = WriteDockerConfig(AuthsJson(Local, "{}"));
            var lookup = Resolver().Find(Local, RegistryAccess.Push);
            Assert.That(lookup.Credential, Is.Null);
            Assert.That(lookup.Tried, Does.Contain(path + " (auths \"127.0.0.1:5000\" without auth, username/password or identitytoken)"));
        }

        [Test]
        public void Credential_text_never_shows_secrets()
        {
            var c = new RegistryCredential("alice", Password, Token, "somewhere");
            Assert.That(c.ToString(), Is.EqualTo("credential from somewhere"));
            AssertNoSecret(c.ToString());
        }

        [Test]
        public void Registry_is_required()
        {
            Assert.Throws<ArgumentException>(() => Resolver().Find(" ", RegistryAccess.Push));
        }
    }
}
