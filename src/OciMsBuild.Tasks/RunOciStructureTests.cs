using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.ImageTests;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Runs the ContainerStructureTest files on every platform of the built image, before anything
    /// is pushed or written: one line per test, one coded error per failure, a JUnit report.
    /// </summary>
    public sealed class RunOciStructureTests : OciRegistryTask
    {
        [Required] public string ImageRecordFile { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public ITaskItem[] TestFiles { get; set; } = new ITaskItem[0];
        public string? ReportFile { get; set; }
        /// <summary>Written only when every test passed (none failed or skipped): the target's up-to-date output, so a failure is never skipped next time.</summary>
        public string? PassedStampFile { get; set; }
        public string? Engine { get; set; }
        public bool SkipCommands { get; set; }
        public string? PullPolicy { get; set; }

        protected override void Run()
        {
            if (!string.IsNullOrEmpty(PassedStampFile) && File.Exists(PassedStampFile)) File.Delete(PassedStampFile);
            var files = TestFiles.Select(t => StructureTestLoader.Load(t.GetMetadata("FullPath"))).ToList();
            var set = ImageSet.Load(ImageRecordFile);
            var store = new BlobStore(BlobCachePath);
            // A registry base's layers are in the store only once an output needed them: the filesystem tests need them now.
            if (BaseLayerFetcher.AnyMissing(set, store))
            {
                using var lease = Connect();
                Wait(ct => BaseLayerFetcher.EnsureAsync(set, store, lease.Connections, m => Log.LogMessage(MessageImportance.Normal, m), ct, PullPolicies.Parse(PullPolicy)));
            }
            var clock = Stopwatch.StartNew();
            var results = ImageTestSuite.Run(set, store, files, new CommandTestSettings { Engine = Engine, Skip = SkipCommands },
                m => Log.LogMessage(MessageImportance.Normal, m), Cancellation.Token);
            clock.Stop();
            Report(results);
            if (!string.IsNullOrEmpty(ReportFile)) JUnitReport.Write(ReportFile!, results);
            int failed = results.Count(r => r.Outcome == TestOutcome.Failed);
            Log.LogMessage(MessageImportance.High,
                $"OciMsBuild: structure tests: {results.Count(r => r.Outcome == TestOutcome.Passed)} passed, {failed} failed, {results.Count(r => r.Outcome == TestOutcome.Skipped)} skipped " +
                $"on {string.Join(", ", set.Images.Select(i => i.Platform.ToString()))} in {clock.Elapsed.TotalSeconds:0.00} s" + (string.IsNullOrEmpty(ReportFile) ? "" : $"; report: {ReportFile}"));
            // Skipped tests are not a pass: the next build runs (and reports) them again.
            if (failed == 0 && results.All(r => r.Outcome == TestOutcome.Passed) && !string.IsNullOrEmpty(PassedStampFile))
                File.WriteAllText(PassedStampFile!, "passed\n");
        }

        private void Report(IReadOnlyList<TestResult> results)
        {
            foreach (var r in results)
            {
                var outcome = r.Outcome == TestOutcome.Passed ? "PASS" : r.Outcome == TestOutcome.Failed ? "FAIL" : "SKIP";
                Log.LogMessage(MessageImportance.Normal, $"  {outcome} [{r.Platform}] {r.Title} ({Path.GetFileName(r.File)}){(r.SkipReason != null ? ": " + r.SkipReason : "")}");
                if (r.Outcome == TestOutcome.Failed)
                    Log.LogError(null, ErrorCodes.StructureTestFailed, null, r.File, 0, 0, 0, 0,
                        $"Structure test '{r.Name}' ({r.Kind}) failed on {r.Platform}: {string.Join(" | ", r.Errors)}");
            }
            // A skip is never silent: one warning per reason and platform, with how many tests it covers.
            foreach (var group in results.Where(r => r.Outcome == TestOutcome.Skipped).GroupBy(r => (r.Platform, r.SkipReason)))
                Log.LogWarning(null, ErrorCodes.StructureTestSkipped, null, group.First().File, 0, 0, 0, 0,
                    $"{group.Count()} command test(s) skipped on {group.Key.Platform}: {group.Key.SkipReason}.");
        }
    }
}
