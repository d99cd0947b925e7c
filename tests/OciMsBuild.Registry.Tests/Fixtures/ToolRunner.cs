using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>Runs a short-lived tool to completion (stdin closed, so nothing can wait for input) with a timeout.</summary>
    public static class ToolRunner
    {
        public static ToolResult Run(string fileName, IEnumerable<string> arguments,
            IDictionary<string, string?>? environment = null, TimeSpan? timeout = null, string? standardInput = null)
        {
            var info = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in arguments) info.ArgumentList.Add(a);
            if (environment != null)
                foreach (var kv in environment)
                    if (kv.Value == null) info.Environment.Remove(kv.Key); else info.Environment[kv.Key] = kv.Value;

            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (stdout) stdout.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (stderr) stderr.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (standardInput != null) process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
            var limit = timeout ?? TimeSpan.FromMinutes(2);
            if (!process.WaitForExit((int)limit.TotalMilliseconds))
            {
                // Only this process (and what it started): never anything matched by name.
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit();
                lock (stderr) stderr.AppendLine($"[{fileName} timed out after {limit}]");
                return new ToolResult(-1, Snapshot(stdout), Snapshot(stderr));
            }
            process.WaitForExit(); // drains the async readers
            return new ToolResult(process.ExitCode, Snapshot(stdout), Snapshot(stderr));
        }

        private static string Snapshot(StringBuilder sb) { lock (sb) return sb.ToString(); }
    }
}
