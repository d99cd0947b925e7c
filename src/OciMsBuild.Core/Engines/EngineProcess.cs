using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Engines
{
    /// <summary>What one engine CLI invocation did.</summary>
    internal sealed class EngineOutcome
    {
        public int ExitCode { get; set; }
        public string Stdout { get; set; } = "";
        public bool StdoutTruncated { get; set; }
        public string Stderr { get; set; } = "";
        public bool StderrTruncated { get; set; }
        /// <summary>The process was killed at its deadline (ExitCode is then meaningless).</summary>
        public bool TimedOut { get; set; }
        /// <summary>The CLI stopped reading stdin before the writer was done (it failed: see ExitCode and Stderr).</summary>
        public bool StdinRefused { get; set; }
        public long BytesWritten { get; set; }
        /// <summary>The stdout reader failed after the CLI itself had failed (ExitCode != 0): the inner cause.</summary>
        public Exception? CallbackFailure { get; set; }
        public TimeSpan Duration { get; set; }
    }

    /// <summary>
    /// Runs one docker/podman CLI command. Stdout and stderr are read concurrently on their own
    /// threads (a full pipe never deadlocks the child) into bounded buffers; stdin is fed from a
    /// callback and then closed (the CLI never sees our console); stdout can instead be handed to a
    /// callback as a stream. At the deadline or on cancellation the process tree is killed; the
    /// caller is told (TimedOut) or gets OperationCanceledException.
    /// </summary>
    internal static class EngineProcess
    {
        public const int StdoutLimit = 4 * 1024 * 1024;
        public const int StderrLimit = 64 * 1024;

        // How long to wait for the output pipes to close once the CLI has exited: a leftover
        // grandchild (a CLI plugin) may hold them open.
        private static readonly TimeSpan PipeDrainGrace = TimeSpan.FromSeconds(10);

        private const int NotStopped = 0, StoppedByTimeout = 1, StoppedByCancel = 2, StoppedByFailure = 3;

        /// <param name="environment">Overrides on top of this process's environment; a null value removes the variable.</param>
        /// <param name="writeStdin">Writes the CLI's stdin; it is closed afterwards. At most one of writeStdin and readStdout.</param>
        /// <param name="readStdout">Reads the CLI's stdout; what it leaves unread is discarded.</param>
        public static EngineOutcome Run(string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?>? environment,
            TimeSpan timeout, CancellationToken ct, Action<Stream>? writeStdin = null, Action<Stream>? readStdout = null)
        {
            if (writeStdin != null && readStdout != null)
                throw new ArgumentException("Feeding stdin and reading stdout from the same thread could deadlock; give only one.");
            ct.ThrowIfCancellationRequested();

            var info = new ProcessStartInfo(executable, CommandLine.ToArguments(arguments))
            {
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (environment != null)
                foreach (var pair in environment)
                {
                    if (pair.Value == null) info.Environment.Remove(pair.Key);
                    else info.Environment[pair.Key] = pair.Value;
                }

            var clock = Stopwatch.StartNew();
            using var process = new Process { StartInfo = info };
            try
            {
                process.Start();
            }
            catch (Exception e) when (e is Win32Exception || e is IOException || e is InvalidOperationException)
            {
                throw new OciException(ErrorCodes.EngineCommandFailed,
                    $"Could not start {CommandLine.Display(executable, arguments)}: {e.Message}. Check that the file is an executable docker or podman CLI.", e);
            }

            int stopped = NotStopped;
            void Stop(int reason)
            {
                if (Interlocked.CompareExchange(ref stopped, reason, NotStopped) == NotStopped) KillTree(process);
            }

            using var deadline = new CancellationTokenSource();
            if (timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);
            using var onTimeout = deadline.Token.Register(() => Stop(StoppedByTimeout));
            using var onCancel = ct.Register(() => Stop(StoppedByCancel));

            var stderr = new OutputBuffer(StderrLimit, keepTail: true);
            var stdout = new OutputBuffer(StdoutLimit, keepTail: false);
            var pumps = new List<Task> { Task.Factory.StartNew(() => stderr.Pump(process.StandardError.BaseStream), TaskCreationOptions.LongRunning) };
            if (readStdout == null)
                pumps.Add(Task.Factory.StartNew(() => stdout.Pump(process.StandardOutput.BaseStream), TaskCreationOptions.LongRunning));

            ExceptionDispatchInfo? callbackFailure = null;
            bool cliFailedFirst = false;
            var stdin = new PipeWriteStream(process.StandardInput.BaseStream);
            try
            {
                writeStdin?.Invoke(stdin);
            }
            catch (Exception e) when (stdin.Broken)
            {
                // The CLI closed stdin (it failed, or was killed): its exit code and stderr tell why.
                _ = e;
            }
            catch (Exception e)
            {
                callbackFailure = ExceptionDispatchInfo.Capture(e);
                // Do not let the CLI act on half an input (close would look like a normal end).
                Stop(StoppedByFailure);
            }
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                stdin.MarkBroken();
            }

            if (readStdout != null)
            {
                var output = process.StandardOutput.BaseStream;
                try
                {
                    readStdout(output);
                    // Whatever the reader left: drained, so the CLI is not blocked writing it.
                    stdout.Pump(output);
                }
                catch (Exception e) when (stopped == NotStopped)
                {
                    callbackFailure = ExceptionDispatchInfo.Capture(e);
                    // A CLI that failed (no such container) ends its output early, which makes the
                    // reader fail too: then the CLI's own failure is the one to report.
                    if (process.WaitForExit(1000) && process.ExitCode != 0) cliFailedFirst = true;
                    else Stop(StoppedByFailure);
                }
                catch (Exception)
                {
                    // The reader failed because we killed the CLI: reported below as timeout or cancellation.
                }
            }

            process.WaitForExit();
            Task.WaitAll(pumps.ToArray(), PipeDrainGrace);
            clock.Stop();

            if (stopped == StoppedByCancel) throw new OperationCanceledException(ct);
            if (stopped != StoppedByTimeout && !cliFailedFirst) callbackFailure?.Throw();
            return new EngineOutcome
            {
                ExitCode = stopped == StoppedByTimeout ? -1 : process.ExitCode,
                Stdout = stdout.ToString(),
                StdoutTruncated = stdout.Truncated,
                Stderr = stderr.ToString(),
                StderrTruncated = stderr.Truncated,
                TimedOut = stopped == StoppedByTimeout,
                StdinRefused = stdin.Broken,
                BytesWritten = stdin.BytesWritten,
                CallbackFailure = cliFailedFirst ? callbackFailure?.SourceException : null,
                Duration = clock.Elapsed,
            };
        }

        // Process.Kill(bool entireProcessTree) exists from .NET Core 3.0 on (the dotnet MSBuild we run
        // in), not in netstandard2.0 nor .NET Framework: there only the CLI itself is killed.
        private static readonly MethodInfo? KillTreeMethod = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });

        private static void KillTree(Process process)
        {
            try
            {
                if (KillTreeMethod != null) KillTreeMethod.Invoke(process, new object[] { true });
                else process.Kill();
            }
            catch (TargetInvocationException)
            {
                // Already exited.
            }
            catch (InvalidOperationException)
            {
            }
            catch (Win32Exception)
            {
            }
        }

        /// <summary>The CLI's stdin, counting bytes and remembering whether the pipe broke.</summary>
        private sealed class PipeWriteStream : Stream
        {
            private readonly Stream _inner;

            public PipeWriteStream(Stream inner) => _inner = inner;

            public bool Broken { get; private set; }
            public long BytesWritten { get; private set; }

            public void MarkBroken() => Broken = true;

            public override void Write(byte[] buffer, int offset, int count)
            {
                try
                {
                    _inner.Write(buffer, offset, count);
                }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException)
                {
                    Broken = true;
                    throw;
                }
                BytesWritten += count;
            }

            public override void Flush()
            {
                try
                {
                    _inner.Flush();
                }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException)
                {
                    Broken = true;
                    throw;
                }
            }

            // Closing is the engine process's job, after the callback returns.
            protected override void Dispose(bool disposing) { }

            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
