using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>A credential a fake helper hands out for one exact server URL (as the client writes it to stdin).</summary>
    public sealed record CredentialHelperEntry(string ServerUrl, string Username, string Secret);

    /// <summary>One call of the helper: the verb and the server URL it was asked about (never a secret).</summary>
    public sealed record CredentialHelperInvocation(string Verb, string ServerUrl);

    /// <summary>
    /// A real executable <c>docker-credential-NAME</c> (bash) in a temp bin directory, implementing the
    /// docker credential helper protocol: <c>get</c> reads the server URL on stdin and prints
    /// {"ServerURL","Username","Secret"} for a configured server, else prints "credentials not found in
    /// native keychain" and exits 1; <c>list</c> prints {URL: user}; <c>store</c>/<c>erase</c> are accepted
    /// and ignored. Every call is appended to a log (verb + server URL) so tests can count them.
    /// Put <see cref="BinDirectory"/> first on the client's PATH.
    /// </summary>
    public sealed class CredentialHelperScript : IDisposable
    {
        private readonly TempDirectory _dir;

        private CredentialHelperScript(TempDirectory dir, string name)
        {
            _dir = dir;
            Name = name;
        }

        /// <summary>The helper name as written in config.json ("credsStore"/"credHelpers"): NAME of docker-credential-NAME.</summary>
        public string Name { get; }

        public string BinDirectory => _dir.Combine("bin");

        public string ScriptPath => Path.Combine(BinDirectory, "docker-credential-" + Name);

        public string LogPath => _dir.Combine("invocations.log");

        public static CredentialHelperScript Create(string name, params CredentialHelperEntry[] entries)
        {
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_' || c == '.')))
                throw new ArgumentException("A helper name must be [A-Za-z0-9._-]+", nameof(name));
            var helper = new CredentialHelperScript(new TempDirectory("ocimsbuild-credhelper"), name);
            Directory.CreateDirectory(helper.BinDirectory);
            File.WriteAllText(helper.LogPath, "");
            File.WriteAllText(helper.ScriptPath, helper.Script(entries));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(helper.ScriptPath,
                    UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                    UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            return helper;
        }

        /// <summary>Calls so far, in order.</summary>
        public IReadOnlyList<CredentialHelperInvocation> Invocations =>
            File.ReadAllLines(LogPath)
                .Where(l => l.Length > 0)
                .Select(l => { var sp = l.IndexOf(' '); return sp < 0 ? new CredentialHelperInvocation(l, "") : new CredentialHelperInvocation(l.Substring(0, sp), l.Substring(sp + 1)); })
                .ToList();

        /// <summary>PATH with the helper's bin directory first.</summary>
        public string PathWithBinDirectory(string? currentPath = null) =>
            BinDirectory + Path.PathSeparator + (currentPath ?? Environment.GetEnvironmentVariable("PATH") ?? "");

        private string Script(IEnumerable<CredentialHelperEntry> entries)
        {
            var s = new StringBuilder();
            s.Append("#!/bin/bash\n");
            s.Append("# Test double of a docker credential helper, written by OciMsBuild.Testing.Registry.CredentialHelperScript.\n");
            s.Append("# It logs the verb and server URL of each call, never a secret.\n");
            s.Append("log=").Append(Sh(LogPath)).Append('\n');
            s.Append("verb=${1:-}\n");
            s.Append("case \"$verb\" in\n");
            s.Append("  get)\n");
            s.Append("    IFS= read -r server || true\n");
            s.Append("    server=${server%$'\\r'}\n");
            s.Append("    printf 'get %s\\n' \"$server\" >>\"$log\"\n");
            s.Append("    case \"$server\" in\n");
            var list = new Dictionary<string, string>();
            foreach (var e in entries)
            {
                var json = JsonSerializer.Serialize(new Dictionary<string, string> { ["ServerURL"] = e.ServerUrl, ["Username"] = e.Username, ["Secret"] = e.Secret });
                s.Append("      ").Append(Sh(e.ServerUrl)).Append(") printf '%s\\n' ").Append(Sh(json)).Append("; exit 0 ;;\n");
                list[e.ServerUrl] = e.Username;
            }
            s.Append("    esac\n");
            s.Append("    echo 'credentials not found in native keychain'\n");
            s.Append("    exit 1 ;;\n");
            s.Append("  erase)\n");
            s.Append("    IFS= read -r server || true\n");
            s.Append("    printf 'erase %s\\n' \"$server\" >>\"$log\"\n");
            s.Append("    exit 0 ;;\n");
            s.Append("  store)\n");
            s.Append("    cat >/dev/null  # the JSON holds a secret: not logged\n");
            s.Append("    printf 'store \\n' >>\"$log\"\n");
            s.Append("    exit 0 ;;\n");
            s.Append("  list)\n");
            s.Append("    printf 'list \\n' >>\"$log\"\n");
            s.Append("    printf '%s\\n' ").Append(Sh(JsonSerializer.Serialize(list))).Append('\n');
            s.Append("    exit 0 ;;\n");
            s.Append("  *)\n");
            s.Append("    printf '%s \\n' \"$verb\" >>\"$log\"\n");
            s.Append("    echo \"unknown verb: $verb\" >&2\n");
            s.Append("    exit 1 ;;\n");
            s.Append("esac\n");
            return s.ToString();
        }

        /// <summary>A single-quoted shell word (also a literal case pattern).</summary>
        private static string Sh(string value) => "'" + value.Replace("'", "'\\''") + "'";

        public void Dispose() => _dir.Dispose();
    }
}
