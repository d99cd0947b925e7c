using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.Core.Tests.Support
{
    /// <summary>
    /// A real <c>docker-credential-&lt;name&gt;</c> bash script in a folder meant for PATH. It appends
    /// "&lt;args&gt;|&lt;stdin&gt;" to a log per call, then runs <c>body</c> with the server URL in <c>$input</c>.
    /// Unix only (tests using it skip on Windows).
    /// </summary>
    public sealed class FakeCredentialHelper
    {
        public FakeCredentialHelper(string binDirectory, string name, string body)
        {
            Directory.CreateDirectory(binDirectory);
            Name = name;
            LogPath = Path.Combine(binDirectory, "docker-credential-" + name + ".log");
            ScriptPath = Path.Combine(binDirectory, "docker-credential-" + name);
            var script = "#!/bin/bash\n" +
                         "input=$(cat)\n" +
                         "printf '%s|%s\\n' \"$*\" \"$input\" >> '" + LogPath.Replace("'", "'\\''") + "'\n" +
                         body.Replace("\r\n", "\n") + "\n";
            File.WriteAllText(ScriptPath, script);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(ScriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }

        public string Name { get; }

        public string ScriptPath { get; }

        public string LogPath { get; }

        /// <summary>One "&lt;args&gt;|&lt;stdin&gt;" line per call, oldest first.</summary>
        public IReadOnlyList<string> Invocations =>
            File.Exists(LogPath) ? File.ReadAllLines(LogPath).Where(l => l.Length > 0).ToList() : new List<string>();

        /// <summary>A body answering the Docker helper JSON for every server URL.</summary>
        public static string Answer(string username, string secret) =>
            "printf '{\"ServerURL\":\"%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}\\n' \"$input\" '" + username + "' '" + secret + "'";
    }
}
