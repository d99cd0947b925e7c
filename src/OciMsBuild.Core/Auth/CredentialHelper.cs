using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// Runs <c>docker-credential-&lt;name&gt; get</c> the way the Docker CLI does: the server URL on stdin,
    /// <c>{"ServerURL","Username","Secret"}</c> on stdout. Nothing the helper prints on stdout ever goes
    /// into an error message (it may be a secret); its stderr does, with any secret it printed removed.
    /// </summary>
    internal static class CredentialHelper
    {
        public const string Prefix = "docker-credential-";

        /// <summary>The user name a helper answers with when <c>Secret</c> is an identity token.</summary>
        public const string TokenUsername = "<token>";

        private const int MaxStderrInMessage = 1000;

        internal sealed class Answer
        {
            public Answer(RegistryCredential? credential, string? note)
            {
                Credential = credential;
                Note = note;
            }

            /// <summary>Null: the helper has nothing for this registry.</summary>
            public RegistryCredential? Credential { get; }

            /// <summary>Why there is no credential, for <see cref="CredentialLookup.Tried"/>.</summary>
            public string? Note { get; }
        }

        /// <param name="name">The part after docker-credential-.</param>
        /// <param name="registry">Normalized registry host (for the message and the server URL).</param>
        /// <param name="source">Description for the credential and messages, e.g. "credential helper docker-credential-pass (credHelpers in …)".</param>
        /// <param name="pathVariable">PATH to search.</param>
        /// <param name="childEnvironment">Variables to set for the helper process (PATH, HOME of the resolver's environment).</param>
        public static Answer Get(string name, string registry, string source, string? pathVariable, IReadOnlyDictionary<string, string> childEnvironment, TimeSpan timeout)
        {
            var fileName = Prefix + name;
            var executable = FindOnPath(fileName, pathVariable, out var searched);
            if (executable == null)
                throw new OciException(ErrorCodes.CredentialSourceFailed,
                    $"The {source} for registry {registry} cannot run: {fileName} was not found on PATH" +
                    (searched.Count == 0 ? " (PATH is empty)" : $" (searched {string.Join(Path.PathSeparator.ToString(), searched)})") +
                    ". Install the helper, or remove the entry from the config file (docker logout) to use other credentials.");

            var startInfo = new ProcessStartInfo(executable, "get")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                CreateNoWindow = true,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };
            foreach (var pair in childEnvironment) startInfo.Environment[pair.Key] = pair.Value;

            string stdout, stderr;
            int exitCode;
            using (var process = new Process { StartInfo = startInfo })
            {
                try
                {
                    process.Start();
                }
                catch (Exception e) when (e is Win32Exception || e is IOException || e is InvalidOperationException)
                {
                    throw new OciException(ErrorCodes.CredentialSourceFailed,
                        $"The {source} for registry {registry} could not be started ({executable}): {e.Message}. Check that it is executable.", e);
                }

                var deadline = DateTime.UtcNow + timeout;
                var stdoutTask = process.StandardOutput.ReadToEndAsync();
                var stderrTask = process.StandardError.ReadToEndAsync();
                try
                {
                    process.StandardInput.Write(RegistryKeys.ServerUrlFor(registry));
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // The helper exited or closed stdin without reading it: its exit code tells the rest.
                }

                bool finished = process.WaitForExit(Remaining(deadline));
                if (finished) finished = Task.WaitAll(new Task[] { stdoutTask, stderrTask }, Math.Max(Remaining(deadline), 5000));
                if (!finished)
                {
                    try { process.Kill(); } catch (InvalidOperationException) { } catch (Win32Exception) { }
                    throw new OciException(ErrorCodes.CredentialSourceFailed,
                        $"The {source} for registry {registry} did not answer within {timeout.TotalSeconds:0.#} s and was stopped. " +
                        "It may be waiting for a password prompt or an unlocked keyring (e.g. gpg for 'pass').");
                }
                process.WaitForExit();
                exitCode = process.ExitCode;
                stdout = stdoutTask.Result;
                stderr = stderrTask.Result;
            }

            // Parsed before any failure is reported, so a secret it printed can be cut out of stderr.
            var answer = TryParse(stdout);
            var secret = answer?.Secret;

            if (exitCode != 0)
            {
                if (Contains(stdout, "credentials not found") || Contains(stderr, "credentials not found"))
                    return new Answer(null, $"{source} (no credentials for {registry})");
                throw new OciException(ErrorCodes.CredentialSourceFailed,
                    $"The {source} failed for registry {registry} with exit code {exitCode}. {DescribeStderr(stderr, secret)}");
            }

            if (answer == null)
            {
                if (Contains(stdout, "credentials not found"))
                    return new Answer(null, $"{source} (no credentials for {registry})");
                throw new OciException(ErrorCodes.CredentialSourceFailed,
                    $"The {source} answered for registry {registry} with output that is not the expected JSON object {{\"ServerURL\",\"Username\",\"Secret\"}} " +
                    $"({stdout.Length} characters, not shown as they may hold a secret). {DescribeStderr(stderr, secret)}");
            }

            if (string.IsNullOrEmpty(answer.Secret))
                return new Answer(null, $"{source} (answered without a secret for {registry})");
            if (answer.Username == TokenUsername)
                return new Answer(new RegistryCredential(null, null, answer.Secret, source), null);
            if (string.IsNullOrEmpty(answer.Username))
                return new Answer(null, $"{source} (answered without a user name for {registry})");
            return new Answer(new RegistryCredential(answer.Username, answer.Secret, null, source), null);
        }

        /// <summary>Looks for the helper in the PATH directories (on Windows with .exe, .cmd, .bat).</summary>
        internal static string? FindOnPath(string fileName, string? pathVariable, out List<string> searched)
        {
            searched = new List<string>();
            if (string.IsNullOrEmpty(pathVariable)) return null;
            bool windows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            var names = windows ? new[] { fileName + ".exe", fileName + ".cmd", fileName + ".bat", fileName } : new[] { fileName };
            foreach (var raw in pathVariable!.Split(Path.PathSeparator))
            {
                var directory = raw.Trim().Trim('"');
                if (directory.Length == 0 || searched.Contains(directory)) continue;
                searched.Add(directory);
                foreach (var name in names)
                {
                    string candidate;
                    try
                    {
                        candidate = Path.Combine(directory, name);
                    }
                    catch (ArgumentException)
                    {
                        break;
                    }
                    if (File.Exists(candidate)) return Path.GetFullPath(candidate);
                }
            }
            return null;
        }

        private sealed class HelperAnswer
        {
            public string? Username;
            public string? Secret;
        }

        private static HelperAnswer? TryParse(string stdout)
        {
            var text = stdout.Trim();
            if (!text.StartsWith("{", StringComparison.Ordinal)) return null;
            try
            {
                using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
                if (!(JToken.ReadFrom(reader) is JObject obj)) return null;
                var username = obj.GetValue("Username", StringComparison.OrdinalIgnoreCase);
                var secret = obj.GetValue("Secret", StringComparison.OrdinalIgnoreCase);
                if (!IsStringOrNull(username) || !IsStringOrNull(secret)) return null;
                return new HelperAnswer { Username = (string?)username, Secret = (string?)secret };
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static bool IsStringOrNull(JToken? token) =>
            token == null || token.Type == JTokenType.String || token.Type == JTokenType.Null;

        private static string DescribeStderr(string stderr, string? secret)
        {
            var text = stderr.Trim();
            if (!string.IsNullOrEmpty(secret)) text = text.Replace(secret, "***");
            if (text.Length == 0) return "It wrote nothing to stderr.";
            if (text.Length > MaxStderrInMessage) text = text.Substring(0, MaxStderrInMessage) + "…";
            return "Its stderr: " + text;
        }

        private static bool Contains(string text, string what) => text.IndexOf(what, StringComparison.OrdinalIgnoreCase) >= 0;

        private static int Remaining(DateTime deadline)
        {
            var ms = (deadline - DateTime.UtcNow).TotalMilliseconds;
            return ms <= 0 ? 0 : ms >= int.MaxValue ? int.MaxValue : (int)ms;
        }
    }
}
