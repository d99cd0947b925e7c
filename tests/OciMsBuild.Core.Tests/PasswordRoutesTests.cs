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
    /// <summary>
    /// The password-file route (*_PWORD_FILE), what MSBuild records of the environment, and the advice
    /// we give: secrets never reach a message, and the routes that never reach a log come first.
    /// </summary>
    public class PasswordRoutesTests
    {
        private const string Password = "F1le-Held-Pa55word";
        private const string Local = "127.0.0.1:5000";

        private TempDir _temp = null!;
        private Dictionary<string, string> _env = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            var home = _temp.Combine("home");
            Directory.CreateDirectory(home);
            _env = new Dictionary<string, string> { ["HOME"] = home, ["PATH"] = "/usr/bin:/bin" };
        }

        [TearDown]
        public void TearDown() => _temp.Dispose();

        private string? Env(string name) => _env.TryGetValue(name, out var v) ? v : null;

        private CredentialLookup Find(RegistryAccess access = RegistryAccess.Push) =>
            new CredentialResolver(Env, _env["HOME"]).Find(Local, access);

        private OciException Fails(RegistryAccess access = RegistryAccess.Push) =>
            Assert.Throws<OciException>(() => Find(access))!;

        private static void AssertNoSecret(string text) => Assert.That(text, Does.Not.Contain(Password));

        // ---- the password file ----

        [Test]
        public void Password_file_supplies_the_password_and_the_source_names_the_file_never_the_secret()
        {
            var file = _temp.Write("secrets/registry", Password + "\n");
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "ci-bot";
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"] = file;
            var lookup = Find();
            Assert.Multiple(() =>
            {
                Assert.That(lookup.Credential?.Username, Is.EqualTo("ci-bot"));
                Assert.That(lookup.Credential?.Password, Is.EqualTo(Password), "one trailing line break is dropped");
                Assert.That(lookup.Credential?.Source, Is.EqualTo("environment variables DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD_FILE (password file " + file + ")"));
                Assert.That(lookup.Tried, Is.EqualTo(new[] { lookup.Credential?.Source }));
            });
            foreach (var t in lookup.Tried) AssertNoSecret(t);
            AssertNoSecret(lookup.Credential!.ToString());
        }

        [TestCase("pw\r\n", "pw")]
        [TestCase("pw", "pw")]
        [TestCase("\uFEFFpw\n", "pw")]
        [TestCase(" pw with spaces ", " pw with spaces ")]
        public void Only_a_byte_order_mark_and_one_trailing_line_break_are_dropped(string content, string expected)
        {
            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "u";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD_FILE"] = _temp.Write("pw", content);
            Assert.That(Find(RegistryAccess.Pull).Credential?.Password, Is.EqualTo(expected));
        }

        [Test]
        public void A_UTF16_file_as_Windows_PowerShell_writes_it_is_read()
        {
            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "u";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD_FILE"] = _temp.Write("pw16", new UnicodeEncoding(false, true).GetPreamble().Concat(Encoding.Unicode.GetBytes(Password + "\r\n")).ToArray());
            Assert.That(Find().Credential?.Password, Is.EqualTo(Password));
        }

        [Test]
        public void Every_prefix_takes_a_file_in_the_usual_order_and_the_environment_wins_over_config_files()
        {
            Directory.CreateDirectory(_temp.Combine("home", ".docker"));
            File.WriteAllText(_temp.Combine("home", ".docker", "config.json"),
                "{\"auths\":{\"" + Local + "\":{\"auth\":\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes("file:x")) + "\"}}}");
            _env["SDK_CONTAINER_REGISTRY_UNAME"] = "legacy";
            _env["SDK_CONTAINER_REGISTRY_PWORD_FILE"] = _temp.Write("legacy", "l");
            Assert.That(Find(RegistryAccess.Pull).Credential?.Username, Is.EqualTo("legacy"));

            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "generic";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD_FILE"] = _temp.Write("generic", "g");
            Assert.That(Find(RegistryAccess.Pull).Credential?.Username, Is.EqualTo("generic"));

            _env["DOTNET_CONTAINER_PULL_REGISTRY_UNAME"] = "pull";
            _env["DOTNET_CONTAINER_PULL_REGISTRY_PWORD_FILE"] = _temp.Write("pull", "p");
            Assert.That(Find(RegistryAccess.Pull).Credential?.Username, Is.EqualTo("pull"));
            Assert.That(Find(RegistryAccess.Push).Credential?.Username, Is.EqualTo("generic"), "push does not take the pull file");
        }

        [Test]
        public void A_file_without_a_user_name_is_reported_and_not_read()
        {
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"] = _temp.Combine("does-not-exist");
            var lookup = Find();
            Assert.That(lookup.Credential, Is.Null);
            Assert.That(lookup.Tried[0], Does.Contain("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE is set without DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"));
        }

        [Test]
        public void Password_and_password_file_for_one_prefix_is_OCI2022()
        {
            _env["DOTNET_CONTAINER_REGISTRY_UNAME"] = "u";
            _env["DOTNET_CONTAINER_REGISTRY_PWORD"] = Password;
            _env["DOTNET_CONTAINER_REGISTRY_PWORD_FILE"] = _temp.Write("pw", Password);
            var e = Fails();
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.ConflictingPasswordVariables));
            Assert.That(e.Message, Does.Contain("DOTNET_CONTAINER_REGISTRY_PWORD and DOTNET_CONTAINER_REGISTRY_PWORD_FILE"));
            AssertNoSecret(e.Message);
        }

        [Test]
        public void A_variable_holding_the_password_instead_of_a_path_is_OCI2021_without_echoing_it()
        {
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "u";
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"] = Password;
            var e = Fails();
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.PasswordFileUnusable));
            Assert.That(e.Message, Does.StartWith("The environment variable DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE names no existing file."));
            Assert.That(e.Message, Does.Contain("never the password itself"));
            AssertNoSecret(e.Message);
        }

        [Test]
        public void A_folder_an_empty_file_a_multi_line_file_and_a_huge_file_are_OCI2021_naming_the_path_not_the_content()
        {
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_UNAME"] = "u";
            var cases = new[]
            {
                (path: _temp.Combine("home"), expect: "names the folder"),
                (path: _temp.Write("empty", ""), expect: "which is empty"),
                (path: _temp.Write("newline-only", "\n"), expect: "which is empty"),
                (path: _temp.Write("two-lines", "u\n" + Password + "\n"), expect: "more than one line"),
                (path: _temp.Write("huge", Password + new string('x', PasswordFile.MaxBytes)), expect: "at most 64 KiB"),
                (path: _temp.Write("binary", new byte[] { 0xc3, 0x28, 0x0a }), expect: "not UTF-8 (or UTF-16) text"),
            };
            foreach (var (path, expect) in cases)
            {
                _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"] = path;
                var e = Fails();
                Assert.That(e.Code, Is.EqualTo(ErrorCodes.PasswordFileUnusable), path);
                Assert.That(e.Message, Does.Contain(path).And.Contain(expect).And.Contain("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE"));
                AssertNoSecret(e.Message);
            }
        }

        // ---- what MSBuild records ----

        [Test]
        public void MSBuild_records_DOTNET_variables_always_and_others_only_when_told_to_log_all()
        {
            Assert.Multiple(() =>
            {
                Assert.That(MsBuildLoggedVariables.IsRecorded("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD", Env), Is.True);
                Assert.That(MsBuildLoggedVariables.IsRecorded("dotnet_container_registry_pword", Env), Is.True, "case-insensitive");
                Assert.That(MsBuildLoggedVariables.IsRecorded("MSBUILDANYTHING", Env), Is.True);
                Assert.That(MsBuildLoggedVariables.IsRecorded("COMPLUS_X", Env), Is.True);
                Assert.That(MsBuildLoggedVariables.IsRecorded("SDK_CONTAINER_REGISTRY_PWORD", Env), Is.False);
            });
            _env["MSBUILDLOGALLENVIRONMENTVARIABLES"] = "1";
            Assert.That(MsBuildLoggedVariables.IsRecorded("SDK_CONTAINER_REGISTRY_PWORD", Env), Is.True);
        }

        [Test]
        public void Recorded_password_variables_are_the_set_ones_of_the_access()
        {
            _env["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = Password;
            _env["DOTNET_CONTAINER_PULL_REGISTRY_PWORD"] = Password;
            _env["DOTNET_CONTAINER_REGISTRY_PWORD"] = "";
            _env["SDK_CONTAINER_REGISTRY_PWORD"] = Password;
            _env["DOTNET_CONTAINER_REGISTRY_PWORD_FILE"] = "/run/secrets/registry";
            Assert.That(MsBuildLoggedVariables.RecordedPasswordVariables(RegistryAccess.Push, Env), Is.EqualTo(new[] { "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD" }),
                "empty, legacy (not recorded) and _FILE (a path) variables are not listed");
            Assert.That(MsBuildLoggedVariables.RecordedPasswordVariables(RegistryAccess.Pull, Env), Is.EqualTo(new[] { "DOTNET_CONTAINER_PULL_REGISTRY_PWORD" }));
            _env["MSBUILDLOGALLENVIRONMENTVARIABLES"] = "1";
            Assert.That(MsBuildLoggedVariables.RecordedPasswordVariables(RegistryAccess.Push, Env),
                Is.EqualTo(new[] { "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD", "SDK_CONTAINER_REGISTRY_PWORD" }));
        }

        // ---- advice ----

        [Test]
        public void Unauthorized_advice_puts_login_and_the_password_file_before_the_logged_variable()
        {
            var text = CredentialAdvice.ForUnauthorized(Local, RegistryAccess.Push);
            int login = text.IndexOf("docker login / podman login " + Local, StringComparison.Ordinal);
            int file = text.IndexOf("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE", StringComparison.Ordinal);
            int avoid = text.IndexOf("Avoid DOTNET_CONTAINER_PUSH_REGISTRY_PWORD:", StringComparison.Ordinal);
            Assert.That(login, Is.GreaterThanOrEqualTo(0), text);
            Assert.That(file, Is.GreaterThan(login), text);
            Assert.That(avoid, Is.GreaterThan(file), text);
            Assert.That(CredentialAdvice.ForUnauthorized(Local, RegistryAccess.Pull), Does.Contain("DOTNET_CONTAINER_PULL_REGISTRY_PWORD_FILE"));
        }

        [Test]
        public void Warning_names_the_variables_why_they_are_logged_and_the_safe_routes()
        {
            var one = CredentialAdvice.ForRecordedPasswordVariables(new[] { "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD" });
            Assert.That(one, Does.StartWith("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD holds a registry password, and MSBuild records the value of every DOTNET_* environment variable in binary logs (-bl) and diagnostic output (-v:diag)"));
            Assert.That(one, Does.Contain("credHelpers").And.Contain("set DOTNET_CONTAINER_PUSH_REGISTRY_PWORD_FILE to its path"));

            var two = CredentialAdvice.ForRecordedPasswordVariables(new[] { "DOTNET_CONTAINER_PUSH_REGISTRY_PWORD", "SDK_CONTAINER_REGISTRY_PWORD" });
            Assert.That(two, Does.StartWith("DOTNET_CONTAINER_PUSH_REGISTRY_PWORD and SDK_CONTAINER_REGISTRY_PWORD hold registry passwords"));
            Assert.That(two, Does.Contain("because MSBUILDLOGALLENVIRONMENTVARIABLES is set"));
        }
    }
}
