using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    public sealed record ProcessResult(int ExitCode, string Output, TimeSpan Duration)
    {
        public ProcessResult AssertSuccess(string what)
        {
            if (ExitCode != 0)
                NUnit.Framework.Assert.Fail($"{what} failed with exit code {ExitCode}:\n{Tail(Output)}");
            return this;
        }

        /// <summary>
        /// The build failed with the coded MSBuild error <paramref name="code"/> and no unhandled task
        /// failure (MSB4018) or stack trace: what every bad input must give. Returns the error's line.
        /// </summary>
        public string AssertCodedFailure(string code)
        {
            NUnit.Framework.Assert.That(ExitCode, NUnit.Framework.Is.Not.EqualTo(0), "the build must fail:\n" + Tail(Output));
            var line = Output.Split('\n').FirstOrDefault(l => l.Contains("error " + code + ":"));
            NUnit.Framework.Assert.That(line, NUnit.Framework.Is.Not.Null, $"no 'error {code}:' in:\n" + Tail(Output));
            NUnit.Framework.Assert.That(Output, NUnit.Framework.Does.Not.Contain("MSB4018").And.Not.Contain("   at OciMsBuild."), "no unhandled task failure, no stack trace");
            return line!;
        }

        public static string Tail(string text, int max = 12000) => text.Length <= max ? text : "…" + text.Substring(text.Length - max);
    }

    /// <summary>Runs a real process, stdout and stderr interleaved into one captured text.</summary>
    public static class ProcessRunner
    {
        public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
            IDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
        {
            var info = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            };
            foreach (var a in arguments) info.ArgumentList.Add(a);
            if (environment != null)
                foreach (var kv in environment)
                    if (kv.Value == null) info.Environment.Remove(kv.Key); else info.Environment[kv.Key] = kv.Value;

            var output = new StringBuilder();
            var clock = Stopwatch.StartNew();
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit((int)(timeout ?? TimeSpan.FromMinutes(10)).TotalMilliseconds))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit();
                return new ProcessResult(-1, output + $"\n[timed out after {timeout}]", clock.Elapsed);
            }
            process.WaitForExit();
            lock (output) return new ProcessResult(process.ExitCode, output.ToString(), clock.Elapsed);
        }
    }
}
