using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.ImageFileSystem;
using OciMsBuild.Core.ImageTests;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class StructureTestTests
    {
        private const string Config = @"{""architecture"":""amd64"",""os"":""linux"",""config"":{
            ""Env"":[""PATH=/usr/bin:/bin"",""APP_HOME=/app"",""DOTNET_RUNNING_IN_CONTAINER=true""],
            ""Entrypoint"":[""/app/App""],""WorkingDir"":""/app"",""User"":""1654"",
            ""ExposedPorts"":{""8080/tcp"":{}},""Volumes"":{""/data"":{}},
            ""Labels"":{""org.opencontainers.image.version"":""1.2.3""}}}";

        private static StaticTestRunner Runner(TempDir dir)
        {
            var layers = new TestLayers(dir)
                .Add(l => l.Dir("etc/").File("etc/passwd", "root:x:0:0\napp:x:1654:1654\n").File("etc/secret", "s", mode: 0x180)
                           .Dir("usr/share/doc/libc6/").File("usr/share/doc/libc6/copyright", "GPL-2 and LGPL")
                           .Dir("usr/share/doc/evil/").File("usr/share/doc/evil/copyright", "Licensed under the agpl v3")
                           .File("bin/wget", "x", mode: 0x1ED))
                .Add(l => l.Dir("app/", uid: 1654, gid: 1654).File("app/App", "elf", mode: 0x1ED, uid: 1654, gid: 1654)
                           .File("app/appsettings.json", "{\"Logging\":{\"Level\":\"Debug\"}}").Symlink("app/current", "/app")
                           .Whiteout("bin/wget"), gzip: true);
            var fs = MergedFileSystem.Read(layers.Layers);
            return new StaticTestRunner(fs, ImageMetadata.FromConfigJson(Encoding.UTF8.GetBytes(Config)), "linux/amd64");
        }

        private static TestResult[] RunYaml(string yaml)
        {
            using var dir = new TempDir();
            return Runner(dir).Run(StructureTestLoader.Parse(yaml, "image-tests.yaml")).ToArray();
        }

        [Test]
        public void File_existence_checks_mode_owner_executable_bits_and_absence()
        {
            var results = RunYaml(@"
schemaVersion: '2.0.0'
fileExistenceTests:
  - name: app binary
    path: $APP_HOME/App
    permissions: '-rwxr-xr-x'
    uid: 1654
    gid: 1654
    isExecutableBy: other
  - name: app folder through a link
    path: /app/current/App
  - name: wget removed by an upper layer
    path: /bin/wget
    shouldExist: false
  - name: wrong permissions
    path: /etc/secret
    permissions: '-rw-r--r--'
  - name: missing file
    path: /app/missing.dll
  - name: not executable
    path: /etc/passwd
    isExecutableBy: any
  - name: folder mode
    path: /app
    permissions: 'drwxr-xr-x'
    uid: 0
");
            Assert.That(results.Select(r => (r.Name, r.Outcome)), Is.EqualTo(new[]
            {
                ("app binary", TestOutcome.Passed),
                ("app folder through a link", TestOutcome.Passed),
                ("wget removed by an upper layer", TestOutcome.Passed),
                ("wrong permissions", TestOutcome.Failed),
                ("missing file", TestOutcome.Failed),
                ("not executable", TestOutcome.Failed),
                ("folder mode", TestOutcome.Failed),
            }));
            Assert.That(results[3].Errors.Single(), Does.Contain("Expected: -rw-r--r--, Actual: -rw-------"));
            Assert.That(results[6].Errors.Single(), Does.Contain("user ownership. Expected: 0, Actual: 1654"));
        }

        [Test]
        public void File_content_matches_expected_and_excluded_regexes()
        {
            var results = RunYaml(@"
schemaVersion: 2.0.0
fileContentTests:
  - name: app user
    path: /etc/passwd
    expectedContents: ['^app:x:1654:']
    excludedContents: ['nobody']
  - name: no debug logging
    path: /app/appsettings.json
    excludedContents: ['""Level"":""Debug""']
");
            Assert.That(results[0].Outcome, Is.EqualTo(TestOutcome.Failed), "^ anchors at the start of the text, as in container-structure-test");
            Assert.That(results[1].Outcome, Is.EqualTo(TestOutcome.Failed));
            var multiline = RunYaml("schemaVersion: 2.0.0\nfileContentTests:\n  - name: m\n    path: /etc/passwd\n    expectedContents: ['(?m)^app:x:1654:']\n");
            Assert.That(multiline[0].Outcome, Is.EqualTo(TestOutcome.Passed), multiline[0].Errors.FirstOrDefault());
        }

        [Test]
        public void Metadata_checks_env_labels_entrypoint_workdir_user_ports_and_volumes()
        {
            var pass = RunYaml(@"
schemaVersion: 2.0.0
metadataTest:
  envVars:
    - key: DOTNET_RUNNING_IN_CONTAINER
      value: 'true'
    - key: PATH
      value: '/bin$'
      isRegex: true
  unboundEnvVars: [{key: ASPNETCORE_ENVIRONMENT}]
  labels:
    - key: org.opencontainers.image.version
      value: '1\.2\.\d+'
      isRegex: true
  entrypoint: ['/app/App']
  cmd: []
  workdir: /app
  user: '1654'
  exposedPorts: ['8080']
  unexposedPorts: ['80']
  volumes: ['/data']
");
            Assert.That(pass.Single().Outcome, Is.EqualTo(TestOutcome.Passed), string.Join("\n", pass.Single().Errors));
            var fail = RunYaml(@"
schemaVersion: 2.0.0
metadataTest:
  env: [{key: APP_HOME, value: /srv}]
  user: root
  exposedPorts: ['8080/udp']
");
            Assert.That(fail.Single().Errors, Has.Count.EqualTo(3));
            Assert.That(fail.Single().Errors[0], Does.Contain("APP_HOME value '/app'"));
        }

        [Test]
        public void License_tests_flag_banned_licenses_under_usr_share_doc()
        {
            var results = RunYaml("schemaVersion: 2.0.0\nlicenseTests:\n  - debian: true\n    files: [/etc/passwd]\n");
            Assert.That(results.Single().Outcome, Is.EqualTo(TestOutcome.Failed));
            Assert.That(results.Single().Errors.Single(), Does.Contain("/usr/share/doc/evil/copyright").And.Contain("AGPL"));
        }

        [TestCase("schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: x\n    path: /a\n    shuoldExist: false\n", "line 5", "'shuoldExist'")]
        [TestCase("schemaVersion: 1.0.0\nfileExistenceTests:\n  - name: x\n    path: /a\n", "schemaVersion is '1.0.0'", "2.0.0")]
        [TestCase("fileExistenceTests:\n  - name: x\n    path: /a\n", "schemaVersion is '(missing)'", "2.0.0")]
        [TestCase("schemaVersion: 2.0.0\nfileExistenceTests:\n  - path: /a\n", "needs a name", "fileExistenceTests")]
        [TestCase("schemaVersion: 2.0.0\nfileContentTests:\n  - name: c\n    path: /a\n    expectedContents: ['(']\n", "not a valid regular expression", "'c'")]
        [TestCase("schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: x\n    path: /a\n    isExecutableBy: everyone\n", "isExecutableBy 'everyone'", "any, owner, group, other")]
        [TestCase("schemaVersion: 2.0.0\ncontainerRunOptions:\n  privileged: true\ncommandTests:\n  - name: c\n    command: ls\n", "privileged", "user and envVars are")]
        [TestCase("schemaVersion: 2.0.0\n", "holds no test", "metadataTest")]
        [TestCase("schemaVersion: 2.0.0\ncommandTests:\n  - name: c\n    command: ls\n    setup: [[]]\n", "non-empty list", "'c'")]
        [TestCase("schemaVersion: [2.0.0\n", "line 1", "ContainerStructureTest 'f.yaml'")]
        public void A_file_it_would_not_run_as_written_is_OCI1032(string yaml, string expected1, string expected2)
        {
            var e = Assert.Throws<OciException>(() => StructureTestLoader.Parse(yaml, "f.yaml"))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidStructureTest));
            Assert.That(e.Message, Does.Contain(expected1).And.Contain(expected2).And.Contain("f.yaml"));
        }

        [Test]
        public void The_JUnit_report_has_one_suite_per_file_and_platform_with_failures_and_skips()
        {
            using var dir = new TempDir();
            var pass = new TestResult("/p/a.yaml", "linux/amd64", "File Existence Test", "ok");
            var fail = new TestResult("/p/a.yaml", "linux/amd64", "Metadata Test", "metadata");
            fail.Fail("user 'root' <does not> match");
            var skip = new TestResult("/p/a.yaml", "linux/arm64", "Command Test", "runs");
            skip.Skip("no QEMU");
            skip.Stdout = "bad \u0001 char";
            var path = dir.Combine("out", "report.xml");
            JUnitReport.Write(path, new[] { pass, fail, skip });
            var xml = XDocument.Load(path);
            var root = xml.Root!;
            Assert.That(root.Name.LocalName, Is.EqualTo("testsuites"));
            Assert.That((string?)root.Attribute("tests"), Is.EqualTo("3"));
            Assert.That((string?)root.Attribute("failures"), Is.EqualTo("1"));
            Assert.That((string?)root.Attribute("skipped"), Is.EqualTo("1"));
            var suites = root.Elements("testsuite").ToList();
            Assert.That(suites.Select(s => (string?)s.Attribute("name")), Is.EqualTo(new[] { "a.yaml [linux/amd64]", "a.yaml [linux/arm64]" }));
            var failure = suites[0].Elements("testcase").Single(c => c.Element("failure") != null).Element("failure")!;
            Assert.That((string?)failure.Attribute("message"), Is.EqualTo("user 'root' <does not> match"));
            Assert.That((string?)failure.Attribute("type"), Is.EqualTo("OCI4010"));
            Assert.That(suites[1].Descendants("skipped").Single().Attribute("message")!.Value, Is.EqualTo("no QEMU"));
            Assert.That(File.Exists(path + ".tmp"), Is.False);
        }
    }
}
