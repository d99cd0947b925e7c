namespace OciMsBuild.Testing.Registry
{
    /// <summary>What a finished tool run produced. stdout and stderr stay separate: JSON comes on stdout.</summary>
    public sealed record ToolResult(int ExitCode, string StdOut, string StdErr)
    {
        public bool Succeeded => ExitCode == 0;

        /// <summary>Throws with both streams when the tool failed; returns this for chaining.</summary>
        public ToolResult EnsureSuccess(string what)
        {
            if (ExitCode != 0)
                throw new System.InvalidOperationException($"{what} failed with exit code {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}");
            return this;
        }

        public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
    }
}
