using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Once per test run: checks the real tools are there (a missing tool is a failure, never a
    /// skip), packs the two packages with a unique version into a local feed, and builds (or
    /// reuses from the cache) the base images made from Debian packages.
    /// </summary>
    [SetUpFixture]
    public sealed class TestEnvironment
    {
        public static string RepoRoot { get; private set; } = "";
        public static string Feed { get; private set; } = "";
        public static string PackageVersion { get; private set; } = "";
        public static string NuGetPackages { get; private set; } = "";
        public static string BaseCache { get; private set; } = "";
        public static string BlobCache { get; private set; } = "";
        public static string WorkRoot { get; private set; } = "";
        public static string Scripts => Path.Combine(RepoRoot, "tests", "scripts");

        public static string BaseLayout => Path.Combine(BaseCache, "oci");

        [OneTimeSetUp]
        public void SetUp()
        {
            RepoRoot = FindRepoRoot();
            foreach (var tool in new[] { "skopeo", "umoci", "podman", "runc", "jq", "git" })
                RequireTool(tool);

            var artifacts = Path.Combine(RepoRoot, "artifacts", "e2e");
            WorkRoot = Path.Combine(Path.GetTempPath(), "ocimsbuild-e2e-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(WorkRoot);

            // A unique version per run: NuGet caches packages by id+version, so reusing one would
            // silently test an older build of our own package.
            PackageVersion = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss");
            Feed = Path.Combine(WorkRoot, "feed");
            ProcessRunner.Run("dotnet", new[] { "pack", Path.Combine(RepoRoot, "OciMsBuild.sln"), "-c", "Release", "-o", Feed,
                    "-p:OciMsBuildVersion=" + PackageVersion, "-nodeReuse:false" }, RepoRoot, timeout: TimeSpan.FromMinutes(5))
                .AssertSuccess("dotnet pack");

            // A private package folder keeps the user's ~/.nuget clean; third-party packages in it are reused between runs.
            NuGetPackages = Path.Combine(artifacts, "nuget-packages");
            Directory.CreateDirectory(NuGetPackages);
            foreach (var old in Directory.GetDirectories(NuGetPackages, "ocimsbuild*")) Directory.Delete(old, true);

            BaseCache = Path.Combine(RepoRoot, "artifacts", "test-cache", "base");
            ProcessRunner.Run(Path.Combine(Scripts, "make-base-images.sh"), new[] { BaseCache }, RepoRoot, timeout: TimeSpan.FromMinutes(10))
                .AssertSuccess("make-base-images.sh");

            BlobCache = Path.Combine(WorkRoot, "blobs");
        }

        [OneTimeTearDown]
        public void TearDown()
        {
            ProcessRunner.Run("dotnet", new[] { "build-server", "shutdown" }, RepoRoot);
            try { if (Directory.Exists(WorkRoot)) Directory.Delete(WorkRoot, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        public static void RequireTool(string tool)
        {
            var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
                .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
            if (path == null)
                Assert.Fail($"'{tool}' is not installed; run tests/scripts/install-test-tools.sh (tests never skip a missing tool).");
        }

        private static string FindRepoRoot()
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "OciMsBuild.sln"))) dir = dir.Parent;
            if (dir == null) throw new InvalidOperationException("Cannot find the repository root (OciMsBuild.sln) above " + TestContext.CurrentContext.TestDirectory);
            return dir.FullName;
        }

        public static IDictionary<string, string?> DotNetEnvironment() => new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = NuGetPackages,
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["SOURCE_DATE_EPOCH"] = null,
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
        };
    }
}
