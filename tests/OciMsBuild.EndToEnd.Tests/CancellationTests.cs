using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Ctrl-C (SIGINT to `dotnet publish`) while a large layer is being packed: the build ends at
    /// once, with the cancellation warning, and leaves no temp file in the blob store.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class CancellationTests
    {
        [Test]
        public void Sigint_during_packing_stops_the_build_promptly_and_leaves_no_temp_file()
        {
            var project = TestProject.Console();
            // 128 MiB of incompressible content: packing it takes many seconds, so SIGINT lands mid-layer.
            var big = Path.Combine(project.Directory_, "big.bin");
            using (var f = File.Create(big))
            {
                var rng = new Random(7);
                var block = new byte[1 << 20];
                for (int i = 0; i < 128; i++) { rng.NextBytes(block); f.Write(block, 0, block.Length); }
            }
            project.Edit("HelloApp.csproj", text => text.Replace("</Project>",
                "<ItemGroup><Content Include=\"big.bin\" CopyToPublishDirectory=\"PreserveNewest\" /></ItemGroup></Project>"));
            var store = Path.Combine(project.Root, "blobs");
            var temp = Path.Combine(store, "tmp");

            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = project.Directory_,
            };
            foreach (var a in new[] { "publish", project.ProjectFile, "-c", "Release", "-p:ContainerImage=true", "-r", "linux-x64",
                         "-p:ContainerBaseImage=scratch", "-p:ContainerBlobCachePath=" + store, "-nodeReuse:false", "-v:n" })
                info.ArgumentList.Add(a);
            foreach (var kv in TestEnvironment.DotNetEnvironment())
                if (kv.Value == null) info.Environment.Remove(kv.Key); else info.Environment[kv.Key] = kv.Value;

            var output = new StringBuilder();
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            // The readers append on their own threads; every read of the log takes the same lock.
            string Log() { lock (output) return output.ToString(); }
            try
            {
                // Packing has begun when a temp blob in the store passes 8 MiB.
                var deadline = DateTime.UtcNow.AddMinutes(5);
                while (!(Directory.Exists(temp) && Directory.GetFiles(temp).Any(p => new FileInfo(p).Length > (8 << 20))))
                {
                    Assert.That(process.HasExited, Is.False, "the build ended before packing the big layer:\n" + ProcessResult.Tail(Log()));
                    Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "packing never started:\n" + ProcessResult.Tail(Log()));
                    Thread.Sleep(20);
                }
                var clock = Stopwatch.StartNew();
                ProcessRunner.Run("kill", new[] { "-INT", process.Id.ToString() }).AssertSuccess("kill -INT");
                Assert.That(process.WaitForExit(60_000), Is.True, "the build must end after SIGINT");
                process.WaitForExit();
                clock.Stop();
                TestContext.Out.WriteLine($"build ended {clock.ElapsedMilliseconds} ms after SIGINT");
                var log = Log();
                Assert.That(process.ExitCode, Is.Not.EqualTo(0), ProcessResult.Tail(log));
                Assert.That(log, Does.Contain("the build was cancelled"), ProcessResult.Tail(log));
                Assert.That(Directory.GetFiles(temp), Is.Empty, "no half-written blob");
                Assert.That(Directory.GetFiles(Path.Combine(project.Directory_, "obj"), "*.layer.json", SearchOption.AllDirectories)
                    .Where(p => p.Contains("4-app")), Is.Empty, "no record of the app layer");

                // The same build left alone: how long the layer takes, so the bound above means something.
                var full = project.RunDotNet(new[] { "publish", project.ProjectFile, "-c", "Release", "-p:ContainerImage=true", "-r", "linux-x64",
                    "-p:ContainerBaseImage=scratch", "-p:ContainerBlobCachePath=" + store }).AssertSuccess("the build after the cancelled one");
                var packed = Regex.Match(full.Output, @"packed layer app: \S+ \([^)]*\) in (\d+) ms");
                Assert.That(packed.Success, Is.True, ProcessResult.Tail(full.Output));
                var packMs = int.Parse(packed.Groups[1].Value);
                TestContext.Out.WriteLine($"packing the layer uncancelled takes {packMs} ms");
                Assert.That(clock.ElapsedMilliseconds, Is.LessThan(Math.Max(1500, packMs / 2)), "the build ended long before the layer would have been finished");
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
        }
    }
}
