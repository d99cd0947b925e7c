using System;
using System.Collections.Generic;

namespace OciMsBuild.Core.ImageTests
{
    public enum TestOutcome { Passed, Failed, Skipped }

    /// <summary>One test of one file on one platform: what the log line, the MSBuild error and the JUnit case say.</summary>
    public sealed class TestResult
    {
        public TestResult(string file, string platform, string kind, string name)
        {
            File = file;
            Platform = platform;
            Kind = kind;
            Name = name;
        }

        public string File { get; }
        public string Platform { get; }
        /// <summary>"File Existence Test", "Command Test", … as container-structure-test names them.</summary>
        public string Kind { get; }
        public string Name { get; }
        public TestOutcome Outcome { get; set; } = TestOutcome.Passed;
        public List<string> Errors { get; } = new List<string>();
        public string? SkipReason { get; set; }
        public string? Stdout { get; set; }
        public string? Stderr { get; set; }
        public TimeSpan Duration { get; set; }

        public string Title => $"{Kind}: {Name}";

        public void Fail(string message)
        {
            Outcome = TestOutcome.Failed;
            Errors.Add(message);
        }

        public void Skip(string reason)
        {
            Outcome = TestOutcome.Skipped;
            SkipReason = reason;
        }
    }
}
