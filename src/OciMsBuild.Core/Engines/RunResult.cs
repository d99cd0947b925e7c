using System;

namespace OciMsBuild.Core.Engines
{
    /// <summary>How a container run ended: exit code and its two output streams, kept apart.</summary>
    public sealed class RunResult
    {
        internal RunResult(string containerName, string commandLine, int exitCode, string stdout, bool stdoutTruncated,
            string stderr, bool stderrTruncated, bool timedOut, TimeSpan duration)
        {
            ContainerName = containerName;
            CommandLine = commandLine;
            ExitCode = exitCode;
            Stdout = stdout;
            StdoutTruncated = stdoutTruncated;
            Stderr = stderr;
            StderrTruncated = stderrTruncated;
            TimedOut = timedOut;
            Duration = duration;
        }

        /// <summary>The container's name (given or generated): with Keep, what Commit, Export and RemoveContainer take.</summary>
        public string ContainerName { get; }

        /// <summary>The command that was run, for messages (<c>-e</c> values replaced by ***).</summary>
        public string CommandLine { get; }

        /// <summary>The container's exit code; -1 when it timed out.</summary>
        public int ExitCode { get; }

        /// <summary>The first 4 MiB of stdout.</summary>
        public string Stdout { get; }

        public bool StdoutTruncated { get; }

        /// <summary>The last 64 KiB of stderr (the engine's own messages land here too).</summary>
        public string Stderr { get; }

        public bool StderrTruncated { get; }

        /// <summary>The run passed its timeout: the container was killed and removed (even with Keep).</summary>
        public bool TimedOut { get; }

        public TimeSpan Duration { get; }
    }
}
