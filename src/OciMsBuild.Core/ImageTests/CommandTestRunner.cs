using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using OciMsBuild.Core.Engines;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>
    /// commandTests in a real engine, as container-structure-test's docker driver runs them: each
    /// setup command in a container of the image, committed; the command with the image's
    /// entrypoint replaced by it; teardown commands after. Every container and intermediate image
    /// is removed again. Containers have no network. An engine failure fails the one test (as in
    /// container-structure-test), not the whole run.
    /// </summary>
    public sealed class CommandTestRunner
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
        private readonly ContainerEngine _engine;
        private readonly string _image;
        private readonly ImageMetadata _metadata;
        private readonly string _platform;
        private readonly string? _runPlatform;
        private int _counter;

        /// <param name="runPlatform">Passed to the engine's run for a platform other than its own (emulated).</param>
        public CommandTestRunner(ContainerEngine engine, string loadedImage, ImageMetadata metadata, string platform, string? runPlatform = null)
        {
            _engine = engine;
            _image = loadedImage;
            _metadata = metadata;
            _platform = platform;
            _runPlatform = runPlatform;
        }

        public IReadOnlyList<TestResult> Run(StructureTestFile file, CancellationToken ct)
        {
            var results = new List<TestResult>();
            foreach (var test in file.CommandTests ?? new List<CommandTest>())
            {
                ct.ThrowIfCancellationRequested();
                var result = new TestResult(file.Source, _platform, CommandTestKind, test.Name!);
                var clock = Stopwatch.StartNew();
                try { RunOne(file, test, result, ct); }
                catch (Errors.OciException e) { result.Fail(e.Message); }
                result.Duration = clock.Elapsed;
                results.Add(result);
            }
            return results;
        }

        public const string CommandTestKind = "Command Test";

        private void RunOne(StructureTestFile file, CommandTest test, TestResult result, CancellationToken ct)
        {
            var env = Environment(file, test, _metadata);
            var user = file.ContainerRunOptions?.User;
            var temporaryImages = new List<string>();
            var image = _image;
            try
            {
                foreach (var setup in test.Setup ?? new List<List<string>>())
                {
                    var (exit, output) = RunAndCommit(image, setup, env, user, temporaryImages, ct, out image);
                    if (exit != 0)
                    {
                        result.Fail($"setup command {Show(setup)} exited with {exit}: {Tail(output)}");
                        return;
                    }
                }
                var command = new[] { test.Command! }.Concat(test.Args ?? new List<string>()).Select(a => _metadata.Substitute(a, env)).ToList();
                bool keep = test.Teardown?.Count > 0;
                var name = NewName();
                var run = _engine.Run(Request(image, command, env, user, name, keep), ct);
                result.Stdout = run.Stdout;
                result.Stderr = run.Stderr;
                Check(test, run, result);
                if (keep && !run.TimedOut)
                {
                    var after = NewImageName();
                    temporaryImages.Add(after);
                    try { _engine.Commit(name, after, ct); }
                    finally { _engine.RemoveContainer(name, CancellationToken.None); }
                    image = after;
                    foreach (var teardown in test.Teardown!)
                    {
                        // As container-structure-test: a failing teardown is reported, it does not fail the test.
                        var (exit, output) = RunAndCommit(image, teardown, env, user, temporaryImages, ct, out image);
                        if (exit != 0) result.Stderr += $"\n[teardown {Show(teardown)} exited with {exit}: {Tail(output)}]";
                    }
                }
            }
            finally
            {
                foreach (var temporary in temporaryImages) _engine.RemoveImage(temporary, CancellationToken.None);
            }
        }

        /// <summary>The command replaces the image's entrypoint, as in container-structure-test.</summary>
        private RunRequest Request(string image, IReadOnlyList<string> command, IDictionary<string, string> env, string? user, string name, bool keep) => new RunRequest
        {
            Image = image,
            Entrypoint = new[] { command[0] },
            Args = command.Skip(1).ToArray(),
            Environment = env,
            User = user,
            Name = name,
            Keep = keep,
            Platform = _runPlatform,
            Timeout = CommandTimeout,
        };

        private (int Exit, string Output) RunAndCommit(string image, List<string> command, IDictionary<string, string> env, string? user,
            List<string> temporaryImages, CancellationToken ct, out string committed)
        {
            var name = NewName();
            try
            {
                var run = _engine.Run(Request(image, command, env, user, name, keep: true), ct);
                committed = image;
                if (run.TimedOut) return (-1, $"timed out after {CommandTimeout.TotalMinutes:0} minutes");
                if (run.ExitCode != 0) return (run.ExitCode, run.Stderr + run.Stdout);
                committed = NewImageName();
                temporaryImages.Add(committed);
                _engine.Commit(name, committed, ct);
                return (0, "");
            }
            finally
            {
                _engine.RemoveContainer(name, CancellationToken.None);
            }
        }

        private static void Check(CommandTest test, RunResult run, TestResult result)
        {
            if (run.TimedOut)
            {
                result.Fail($"Test '{test.Name}' did not finish within {CommandTimeout.TotalMinutes:0} minutes and was stopped.");
                return;
            }
            foreach (var p in test.ExpectedError ?? new List<string>())
                if (!Regex.IsMatch(run.Stderr, p)) result.Fail($"Expected string '{p}' not found in error '{Tail(run.Stderr)}'");
            foreach (var p in test.ExcludedError ?? new List<string>())
                if (Regex.IsMatch(run.Stderr, p)) result.Fail($"Excluded string '{p}' found in error '{Tail(run.Stderr)}'");
            foreach (var p in test.ExpectedOutput ?? new List<string>())
                if (!Regex.IsMatch(run.Stdout, p)) result.Fail($"Expected string '{p}' not found in output '{Tail(run.Stdout)}'");
            foreach (var p in test.ExcludedOutput ?? new List<string>())
                if (Regex.IsMatch(run.Stdout, p)) result.Fail($"Excluded string '{p}' found in output '{Tail(run.Stdout)}'");
            if (run.ExitCode != test.ExitCode)
                result.Fail($"Test '{test.Name}' exited with incorrect error code. Expected: {test.ExitCode}, Actual: {run.ExitCode}");
        }

        /// <summary>
        /// What the container gets besides the image's own environment. Values may use $VAR of the
        /// image and of the variables before them (PATH: /env/bin:$PATH), as container-structure-test expands them.
        /// </summary>
        private static IDictionary<string, string> Environment(StructureTestFile file, CommandTest test, ImageMetadata metadata)
        {
            var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
            // containerRunOptions.envVars names variables of the build's own environment to pass in.
            foreach (var name in file.ContainerRunOptions?.EnvVars ?? new List<string>())
                if (System.Environment.GetEnvironmentVariable(name) is string value) env[name] = value;
            foreach (var v in (file.GlobalEnvVars ?? new List<EnvVar>()).Concat(test.EnvVars ?? new List<EnvVar>()))
                env[v.Key!] = metadata.Substitute(v.Value ?? "", env);
            return env;
        }

        private string NewName() => $"ocimsbuild-cst-{Guid.NewGuid():N}".Substring(0, 30) + "-" + Interlocked.Increment(ref _counter);

        private string NewImageName() => "localhost/ocimsbuild-cst:" + Guid.NewGuid().ToString("N");

        private static string Show(List<string> command) => "[" + string.Join(", ", command.Select(c => "\"" + c + "\"")) + "]";

        internal static string Tail(string text, int max = 2000) => text.Length <= max ? text.TrimEnd() : "…" + text.Substring(text.Length - max).TrimEnd();
    }
}
