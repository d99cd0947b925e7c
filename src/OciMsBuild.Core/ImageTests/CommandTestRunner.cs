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
    /// is removed again. No network unless the test environment asks for it.
    /// </summary>
    public sealed class CommandTestRunner
    {
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);
        private readonly ContainerEngine _engine;
        private readonly string _image;
        private readonly ImageMetadata _metadata;
        private readonly string _platform;
        private int _counter;

        public CommandTestRunner(ContainerEngine engine, string loadedImage, ImageMetadata metadata, string platform)
        {
            _engine = engine;
            _image = loadedImage;
            _metadata = metadata;
            _platform = platform;
        }

        public IReadOnlyList<TestResult> Run(StructureTestFile file, CancellationToken ct)
        {
            var results = new List<TestResult>();
            foreach (var test in file.CommandTests ?? new List<CommandTest>())
            {
                ct.ThrowIfCancellationRequested();
                var result = new TestResult(file.Source, _platform, CommandTestKind, test.Name!);
                var clock = Stopwatch.StartNew();
                RunOne(file, test, result, ct);
                result.Duration = clock.Elapsed;
                results.Add(result);
            }
            return results;
        }

        public const string CommandTestKind = "Command Test";

        private void RunOne(StructureTestFile file, CommandTest test, TestResult result, CancellationToken ct)
        {
            var env = Environment(file, test);
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
                var command = new[] { test.Command! }.Concat(test.Args ?? new List<string>()).Select(_metadata.Substitute).ToList();
                bool keep = test.Teardown?.Count > 0;
                var name = NewName();
                var run = _engine.Run(new RunRequest
                {
                    Image = image,
                    Entrypoint = new[] { command[0] },
                    Args = command.Skip(1).ToArray(),
                    Environment = env,
                    User = user,
                    Name = name,
                    Keep = keep,
                    Timeout = CommandTimeout,
                }, ct);
                result.Stdout = run.Stdout;
                result.Stderr = run.Stderr;
                Check(test, run, result);
                if (keep)
                {
                    var after = NewImageName();
                    _engine.Commit(name, after, ct);
                    _engine.RemoveContainer(name, ct);
                    temporaryImages.Add(after);
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

        private (int Exit, string Output) RunAndCommit(string image, List<string> command, IDictionary<string, string> env, string? user,
            List<string> temporaryImages, CancellationToken ct, out string committed)
        {
            var name = NewName();
            try
            {
                var run = _engine.Run(new RunRequest
                {
                    Image = image,
                    Entrypoint = new[] { command[0] },
                    Args = command.Skip(1).ToArray(),
                    Environment = env,
                    User = user,
                    Name = name,
                    Keep = true,
                    Timeout = CommandTimeout,
                }, ct);
                committed = image;
                if (run.ExitCode != 0) return (run.ExitCode, run.Stderr + run.Stdout);
                committed = NewImageName();
                _engine.Commit(name, committed, ct);
                temporaryImages.Add(committed);
                return (0, "");
            }
            finally
            {
                _engine.RemoveContainer(name, CancellationToken.None);
            }
        }

        private static void Check(CommandTest test, RunResult run, TestResult result)
        {
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

        private static IDictionary<string, string> Environment(StructureTestFile file, CommandTest test)
        {
            var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
            // containerRunOptions.envVars names variables of the build's own environment to pass in.
            foreach (var name in file.ContainerRunOptions?.EnvVars ?? new List<string>())
                if (System.Environment.GetEnvironmentVariable(name) is string value) env[name] = value;
            foreach (var v in (file.GlobalEnvVars ?? new List<EnvVar>()).Concat(test.EnvVars ?? new List<EnvVar>()))
                env[v.Key!] = v.Value ?? "";
            return env;
        }

        private string NewName() => $"ocimsbuild-cst-{Guid.NewGuid():N}".Substring(0, 30) + "-" + Interlocked.Increment(ref _counter);

        private string NewImageName() => "localhost/ocimsbuild-cst:" + Guid.NewGuid().ToString("N");

        private static string Show(List<string> command) => "[" + string.Join(", ", command.Select(c => "\"" + c + "\"")) + "]";

        internal static string Tail(string text, int max = 2000) => text.Length <= max ? text.TrimEnd() : "…" + text.Substring(text.Length - max).TrimEnd();
    }
}
