using System;
using System.Collections.Generic;
using System.Diagnostics;
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
