using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>RIDs the SDK does not know, and the evaluation in OciMsBuild.Rids.targets that must agree with the task.</summary>
    public class UnknownRuntimeIdentifierTests
    {
        [Test]
        public void A_linux_rid_outside_the_rid_graph_is_OCI1012_naming_the_property_and_the_valid_rids()
        {
            var e = Assert.Throws<OciException>(() => RuntimeIdentifiers.ChooseAll("linux-foo", null, "linux-x64", null))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.NonLinuxRuntimeIdentifier));
            Assert.That(e.Message, Does.StartWith("ContainerRuntimeIdentifier 'linux-foo' is not a Linux runtime identifier OciMsBuild can build an image for"));
            foreach (var valid in new[] { "linux-x64", "linux-arm64", "linux-arm", "linux-musl-x64", "linux-musl-arm64" })
                Assert.That(e.Message, Does.Contain(valid));

            var inList = Assert.Throws<OciException>(() => RuntimeIdentifiers.ChooseAll(null, "linux-x64;linux-foo-x64", null, null))!;
            Assert.That(inList.Code, Is.EqualTo(ErrorCodes.NonLinuxRuntimeIdentifier));
            Assert.That(inList.Message, Does.StartWith("ContainerRuntimeIdentifiers has 'linux-foo-x64', which is not a Linux runtime identifier OciMsBuild can build an image for"));
        }

        [TestCase("linux-foo")]
        [TestCase("linux-foo-x64")]
        [TestCase("linux-bionic-arm64")]
        [TestCase("linux-armel")]
        [TestCase("linux-musl-")]
        [TestCase("linux-x64-musl")]
        public void Not_image_rids(string rid) => Assert.That(RuntimeIdentifiers.IsLinux(rid), Is.False);

        [Test]
        public void Duplicate_entries_are_one_image()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll(null, "linux-x64;linux-x64", null, null), Is.EqualTo(new[] { "linux-x64" }));
            Assert.That(RuntimeIdentifiers.ChooseAll(null, " linux-x64 ; linux-x64 ;", "linux-x64", null), Is.EqualTo(new[] { "linux-x64" }));
        }

        private static string Targets()
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "OciMsBuild.sln"))) dir = dir.Parent;
            Assert.That(dir, Is.Not.Null, "the repository root above " + TestContext.CurrentContext.TestDirectory);
            return File.ReadAllText(Path.Combine(dir!.FullName, "build", "OciMsBuild.Rids.targets"));
        }

        private static string Property(string targets, string name)
        {
            var m = Regex.Match(targets, "<" + name + ">([^<]*)</" + name + ">");
            Assert.That(m.Success, Is.True, name + " is in OciMsBuild.Rids.targets");
            return m.Groups[1].Value;
        }

        /// <summary>The RIDs the evaluation lets into the restore are exactly those the task accepts, and the SDK knows each.</summary>
        [Test]
        public void The_targets_restore_exactly_the_rids_the_task_accepts_and_the_sdk_knows_them_all()
        {
            var archs = Property(Targets(), "_OciImageRidArchs").Split('|');
            var pattern = new Regex("^" + Property(Targets(), "_OciImageRidPattern").Replace("$(_OciImageRidArchs)", string.Join("|", archs)) + "$");

            var graph = SdkRidGraph();
            var candidates = graph.Concat(new[] { "linux-foo", "linux-foo-x64", "linux-x64x", "win-x64", "osx-arm64", "linux-musl-foo" }).Distinct();
            foreach (var rid in candidates)
                Assert.That(pattern.IsMatch(rid), Is.EqualTo(RuntimeIdentifiers.IsLinux(rid)), rid + ": evaluation and task disagree");
            foreach (var arch in archs)
            {
                Assert.That(graph, Does.Contain("linux-" + arch), "the SDK's RID graph");
                Assert.That(graph, Does.Contain("linux-musl-" + arch), "the SDK's RID graph");
                Assert.DoesNotThrow(() => RuntimeIdentifiers.ToPlatform("linux-" + arch));
            }
        }

        /// <summary>The Linux RIDs of the installed SDK's PortableRuntimeIdentifierGraph.json (the one restore checks).</summary>
        private static IReadOnlyList<string> SdkRidGraph()
        {
            // The runtime runs from DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/.
            var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
            var graphs = Directory.Exists(Path.Combine(root, "sdk"))
                ? Directory.GetFiles(Path.Combine(root, "sdk"), "PortableRuntimeIdentifierGraph.json", SearchOption.AllDirectories)
                : new string[0];
            Assert.That(graphs, Is.Not.Empty, "an installed SDK's PortableRuntimeIdentifierGraph.json under " + root);
            var runtimes = (JObject)JObject.Parse(File.ReadAllText(graphs.OrderBy(g => g, StringComparer.Ordinal).Last()))["runtimes"]!;
            return runtimes.Properties().Select(p => p.Name).Where(n => n.StartsWith("linux-", StringComparison.Ordinal)).ToList();
        }

        /// <summary>Evaluation decides single or multi-platform before the task runs: it must count distinct entries as ChooseAll does.</summary>
        [TestCase("linux-x64", false)]
        [TestCase("linux-x64;linux-x64", false)]
        [TestCase(";linux-x64;;linux-x64;", false)]
        [TestCase("linux-x64;linux-arm64", true)]
        [TestCase("linux-x64;linux-x64;linux-arm64", true)]
        [TestCase("linux-arm;linux-arm64", true)]
        [TestCase("linux-arm64;linux-arm", true)]
        [TestCase("linux-x64;linux-foo", true)]
        public void The_targets_multi_platform_rule_counts_distinct_entries(string list, bool multi)
        {
            var condition = Regex.Match(Targets(), @"<_OciMultiPlatform Condition=""[^""]*IsMatch\('\$\(_OciImageRidList\)', '([^']*)'\)\)"">true");
            Assert.That(condition.Success, Is.True, "the _OciMultiPlatform condition");
            bool evaluation = list.Trim(';').Length > 0 && !Regex.IsMatch(list, condition.Groups[1].Value);
            Assert.That(evaluation, Is.EqualTo(multi));
            if (!list.Contains("foo"))
                Assert.That(RuntimeIdentifiers.ChooseAll(null, list, null, null).Count > 1, Is.EqualTo(multi), "ChooseAll");
        }
    }

    public class WorkingDirectoryNormalizationTests
    {
        [TestCase("//app/", "/app")]
        [TestCase("/srv//app///", "/srv/app")]
        [TestCase("//", "/")]
        [TestCase("/", "/")]
        public void Repeated_and_trailing_slashes_are_dropped(string dir, string normalized) =>
            Assert.That(SettingsValidator.WorkingDirectory(dir), Is.EqualTo(normalized));

        [TestCase("app/")]
        [TestCase("//app/../etc")]
        [TestCase("/app/./x")]
        public void Relative_paths_and_dot_segments_are_OCI1011(string dir)
        {
            var e = Assert.Throws<OciException>(() => SettingsValidator.WorkingDirectory(dir))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidWorkingDirectory));
            Assert.That(e.Message, Does.Contain("ContainerWorkingDirectory '" + dir + "'"));
        }
    }

    public class ReportLineTests
    {
        [Test]
        public void Names_exactly_the_outputs_written()
        {
            Assert.That(ReportLine.Destinations("127.0.0.1:5000/team/app@sha256:ab", null, null, "/o/image.json"), Is.EqualTo("pushed to 127.0.0.1:5000 (nothing uploaded)"));
            Assert.That(ReportLine.Destinations("127.0.0.1:5000/team/app@sha256:ab", null, null, "/o/image.json", 52_428), Is.EqualTo("pushed to 127.0.0.1:5000 (51.2 KB uploaded)"));
            Assert.That(ReportLine.Destinations("127.0.0.1:5000/team/app@sha256:ab", null, null, "/o/image.json", 37_958_451), Is.EqualTo("pushed to 127.0.0.1:5000 (36.2 MB uploaded)"));
            Assert.That(ReportLine.Destinations("", "/o/image", null, "/o/image.json"), Is.EqualTo("OCI layout /o/image"));
            Assert.That(ReportLine.Destinations("r.io/app@sha256:ab", "/o/image", "/o/app.tar", "/o/image.json"),
                Is.EqualTo("pushed to r.io (nothing uploaded), OCI layout /o/image, archive /o/app.tar"));
            Assert.That(ReportLine.Destinations(null, "", "/o/app.tar", "/o/image.json"), Is.EqualTo("archive /o/app.tar"));
            Assert.That(ReportLine.Destinations(null, null, null, "/o/image.json"), Is.EqualTo("summary /o/image.json"));
        }
    }

    public class UploadLedgerTests
    {
        [Test]
        public void Sums_what_every_task_and_node_recorded_since_the_build_started()
        {
            var file = Path.Combine(Path.GetTempPath(), "ledger-" + Guid.NewGuid().ToString("N"), UploadLedger.FolderName);
            try
            {
                Assert.That(UploadLedger.Total(file), Is.EqualTo(0), "nothing recorded: no file");
                UploadLedger.Record(file, 1000, "streamed sha256:aa");
                UploadLedger.Record(file, 0, "nothing sent is not a line");
                // Several nodes append at once: every line arrives whole.
                System.Threading.Tasks.Parallel.For(0, 200, i => UploadLedger.Record(file, 5, "push sha256:" + i));
                Assert.That(UploadLedger.Total(file), Is.EqualTo(2000));
                Assert.That(Directory.GetFiles(file), Has.Length.EqualTo(201));
                // The next build has its own folder; the report removes tallies older than an hour, never its own.
                var next = Path.Combine(Path.GetDirectoryName(file)!, "next-build");
                Assert.That(UploadLedger.Total(next), Is.EqualTo(0), "a new build starts from nothing");
                UploadLedger.Record(next, 7, "push");
                var recent = Path.Combine(Path.GetDirectoryName(file)!, "running-build");
                UploadLedger.Record(recent, 3, "push");
                Directory.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-2));
                UploadLedger.RemoveOldTallies(next, TimeSpan.FromHours(1));
                Assert.That(Directory.Exists(file), Is.False, "an old build's tally is removed");
                Assert.That(UploadLedger.Total(recent), Is.EqualTo(3), "a build running now keeps its tally");
                Assert.That(UploadLedger.Total(next), Is.EqualTo(7));
                UploadLedger.Record(null, 10, "no ledger given: ignored");
            }
            finally { Directory.Delete(Path.GetDirectoryName(file)!, true); }
        }
    }

    public class UnreachableRegistryAdviceTests
    {
        private static OciException Refused(RegistryAccess access) =>
            RegistryFailures.ToError(new HttpRequestException("Connection refused (127.0.0.1:9)", new SocketException((int)SocketError.ConnectionRefused)),
                "connecting", new RegistryEndpoint("127.0.0.1:9", new RegistryOptions()), access, 2, CancellationToken.None);

        [Test]
        public void A_push_registry_that_refuses_gets_push_advice_not_base_advice()
        {
            var e = Refused(RegistryAccess.Push);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.RegistryUnreachable));
            Assert.That(e.Message, Does.Contain("127.0.0.1:9 to push").And.Contain("connection was refused")
                .And.Contain("ContainerRegistry (127.0.0.1:9)").And.Contain("host and port").And.Contain("ContainerInsecureRegistries").And.Contain("network"));
            Assert.That(e.Message, Does.Not.Contain("ContainerBaseImage").And.Not.Contain("oci-layout://"));
        }

        [Test]
        public void A_base_registry_that_refuses_still_suggests_a_local_base()
        {
            var e = Refused(RegistryAccess.Pull);
            Assert.That(e.Message, Does.Contain("ContainerBaseImage=oci-layout://"));
            Assert.That(e.Message, Does.Not.Contain("ContainerInsecureRegistries"));
        }

        [Test]
        public void Registry_error_codes_for_a_missing_repository_and_a_missing_tag()
        {
            Assert.That(RegistryErrorBody.Has("{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}", RegistryErrorBody.NameUnknown), Is.True);
            Assert.That(RegistryErrorBody.Has("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}", RegistryErrorBody.NameUnknown), Is.False);
            Assert.That(RegistryErrorBody.Has("not json", RegistryErrorBody.NameUnknown), Is.False);
        }
    }

    /// <summary>Archive bases: a message names the archive the user gave, never the temp copy it was unpacked to.</summary>
    public class ArchiveBaseMessageTests
    {
        private TempDir _temp = null!;
        private BlobStore _store = null!;
        private string _extractRoot = "";

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _store = new BlobStore(_temp.Combine("store"));
            _extractRoot = _temp.Combine("extract-root");
            Directory.CreateDirectory(_extractRoot);
        }

        [TearDown] public void TearDown() => _temp.Dispose();

        private string WriteArchive()
        {
            var image = TestImages.Build(_store, _temp, content: "archived base " + new string('x', 20000));
            var archive = _temp.Combine("base.tar");
            var name = new ImageName(null, "base", new[] { "1.0" });
            ImageArchiveWriter.Write(archive, LayoutContent.For(image, name), image, name, _store);
            return archive;
        }

        /// <summary>The coded error reading the base gives, or null when it reads fine.</summary>
        private OciException? TryRead(string text)
        {
            try
            {
                BaseImageResolver.Resolve(BaseImageLocation.Parse(text, _temp.Path), TestImages.LinuxAmd64,
                    new BlobStore(_temp.Combine("read-" + Guid.NewGuid().ToString("N"))), _extractRoot);
                return null;
            }
            catch (OciException e) { return e; }
        }

        private OciException Read(string text) => TryRead(text) ?? throw new AssertionException(text + " was read without an error");

        /// <summary>Cut at every 512-byte block boundary (whole entries lost) and in the middle of blocks (an entry cut short).</summary>
        [Test]
        public void A_truncated_oci_archive_is_reported_with_the_archives_path()
        {
            var archive = WriteArchive();
            var bytes = File.ReadAllBytes(archive);
            var cuts = Enumerable.Range(1, (int)(bytes.Length / 512) - 3).Select(b => b * 512)
                .Concat(new[] { 700, bytes.Length / 2 + 100, bytes.Length - 2000 }).Distinct().ToList();
            var truncated = _temp.Combine("cut", "base.tar");
            Directory.CreateDirectory(Path.GetDirectoryName(truncated)!);
            int failures = 0;
            foreach (var cut in cuts)
            {
                File.WriteAllBytes(truncated, bytes.Take(cut).ToArray());
                var e = TryRead("oci-archive://" + truncated + ":1.0");
                if (e == null) continue; // cut only in the end-of-archive padding: the image is whole
                failures++;
                Assert.That(e.Code, Is.AnyOf(ErrorCodes.InvalidBaseContent, ErrorCodes.BaseNotFound), $"cut at {cut}");
                Assert.That(e.Message, Does.Contain("'" + truncated + "'"), $"cut at {cut}: names the archive");
                Assert.That(e.Message, Does.Not.Contain(_extractRoot), $"cut at {cut}: never the temp copy");
                Assert.That(Directory.GetFileSystemEntries(_extractRoot), Is.Empty, "the temp copy is removed");
            }
            Assert.That(failures, Is.GreaterThan(cuts.Count / 2), "most cuts lose content");

            File.WriteAllBytes(truncated, bytes.Take(bytes.Length / 2 + 100).ToArray());
            Assert.That(Read("oci-archive://" + truncated + ":1.0").Message, Does.Contain("truncated"));
        }

        [Test]
        public void An_oci_archive_naming_a_directory_says_so_and_points_at_oci_layout()
        {
            var dir = _temp.Combine("a-layout");
            Directory.CreateDirectory(dir);
            var e = Read("oci-archive://" + dir);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidBaseImage));
            Assert.That(e.Message, Does.Contain("'" + dir + "' is a directory, not an archive file").And.Contain("oci-layout://" + dir));
            Assert.That(e.Message, Does.Not.Contain("does not exist"));
        }

        [Test]
        public void An_oci_layout_naming_a_file_says_so_and_points_at_oci_archive()
        {
            var archive = WriteArchive();
            var e = Read("oci-layout://" + archive);
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidBaseImage));
            Assert.That(e.Message, Does.Contain("is a file, not a directory").And.Contain("oci-archive://" + archive));
        }
    }
}
