using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Engines
{
    /// <summary>
    /// One small driver over the docker and podman CLIs (never their APIs: the CLI is what users have
    /// configured, with its contexts, hosts and storage settings). Every call is synchronous, honours
    /// its CancellationToken and a timeout, and kills the CLI on either. The environment given to
    /// <see cref="Find"/> is passed to every command; DOCKER_HOST, DOCKER_CONTEXT, CONTAINER_HOST,
    /// CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, TMPDIR… are passed through, never rewritten.
    /// </summary>
    public sealed class ContainerEngine
    {
        public const string Docker = "docker";
        public const string Podman = "podman";

        // rm, rmi and the version/info queries answer in seconds; a dead TCP DOCKER_HOST may hang instead.
        private static readonly TimeSpan ShortCommandTimeout = TimeSpan.FromSeconds(60);
        private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);
        private const int MessageTailChars = 2000;

        private readonly IReadOnlyDictionary<string, string?>? _environment;

        internal ContainerEngine(string name, string executable, IReadOnlyDictionary<string, string?>? environment)
        {
            Name = name;
            Executable = executable;
            _environment = environment;
        }

        /// <summary>
        /// Finds the engine to use. <paramref name="choice"/>: null, "" or "auto" = docker, else podman
        /// (the first whose CLI is on PATH and whose engine answers); "docker" or "podman" = only that
        /// one; case-insensitive; anything else is OCI1031 naming <paramref name="propertyName"/>.
        /// <paramref name="environment"/>: variables set (null value: removed) for the CLI on top of this
        /// process's environment; its PATH, if given, is where the CLIs are looked for.
        /// </summary>
        public static ContainerEngine Find(string? choice, string propertyName, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken ct = default) =>
            EngineLocator.Find(choice, propertyName, environment, ct);

        /// <summary>"docker" or "podman".</summary>
        public string Name { get; }

        /// <summary>Full path of the CLI.</summary>
        public string Executable { get; }

        /// <summary>Deadline of load, commit and export (run has its own in <see cref="RunRequest.Timeout"/>).</summary>
        public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>
        /// E.g. "docker (/usr/bin/docker, DOCKER_HOST=unix:///tmp/x/docker.sock)": the CLI and the only
        /// variables that say which engine it talks to. No other variable's value is ever shown.
        /// </summary>
        public string Describe()
        {
            var parts = new List<string> { Executable };
            foreach (var variable in HostVariables())
            {
                var value = EngineEnvironment.Get(_environment, variable);
                if (!string.IsNullOrEmpty(value)) parts.Add(variable + "=" + value);
            }
            return $"{Name} ({string.Join(", ", parts)})";
        }

        /// <summary>
        /// Streams a docker-archive (manifest.json style, what <c>docker load</c> reads) written by
        /// <paramref name="writeArchive"/> into <c>load</c>, and returns the references the CLI printed.
        /// </summary>
        public LoadResult Load(Action<Stream> writeArchive, CancellationToken ct)
        {
            if (writeArchive == null) throw new ArgumentNullException(nameof(writeArchive));
            var args = new List<string> { "load", "-q" };
            var outcome = Execute(args, CommandTimeout, ct, writeStdin: writeArchive);
            if (outcome.TimedOut || outcome.ExitCode != 0 || outcome.StdinRefused)
                throw Failure(args, outcome, CommandTimeout,
                    outcome.StdinRefused && outcome.ExitCode == 0 ? $"it stopped reading the archive after {outcome.BytesWritten} bytes" : null);
            return new LoadResult(LoadOutput.Parse(outcome.Stdout), outcome.BytesWritten);
        }

        /// <summary>
        /// Runs a container and waits for it. A container exit code (even 126/127: command not
        /// found) is a result, not an error; the engine failing to create or start the container
        /// (exit 125 with an engine message: no such image, platform mismatch, name in use) is OCI4003.
        /// On timeout or cancellation the container is removed as well (killing the CLI alone would
        /// leave it running).
        /// </summary>
        public RunResult Run(RunRequest request, CancellationToken ct)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (string.IsNullOrWhiteSpace(request.Image)) throw new ArgumentException("RunRequest.Image is required.", nameof(request));
            var name = string.IsNullOrEmpty(request.Name) ? "ocimsbuild-" + Guid.NewGuid().ToString("N").Substring(0, 12) : request.Name!;
            var args = RunArguments(request, name);
            EngineOutcome outcome;
            try
            {
                outcome = Execute(args, request.Timeout, ct);
            }
            catch (OperationCanceledException)
            {
                RemoveAfterStop(name);
                throw;
            }
            var display = CommandLine.Display(Name, args);
            if (outcome.TimedOut)
                RemoveAfterStop(name);
            else if (outcome.ExitCode == 125 && IsEngineMessage(outcome.Stderr))
                throw Failure(args, outcome, request.Timeout, "the engine could not run the container");
            return new RunResult(name, display, outcome.ExitCode, outcome.Stdout, outcome.StdoutTruncated, outcome.Stderr, outcome.StderrTruncated,
                outcome.TimedOut, outcome.Duration);
        }

        /// <summary><c>commit CONTAINER REFERENCE</c>: a stopped container (Run with Keep) becomes an image.</summary>
        public void Commit(string container, string imageReference, CancellationToken ct)
        {
            var args = new List<string> { "commit" };
            if (Name == Podman) args.Add("-q"); // podman prints copy progress otherwise; docker has no -q
            args.Add(container);
            args.Add(imageReference);
            var outcome = Execute(args, CommandTimeout, ct);
            if (outcome.TimedOut || outcome.ExitCode != 0) throw Failure(args, outcome, CommandTimeout, null);
        }

        /// <summary><c>rm -f</c>; a container that is already gone (or being removed) is not an error.</summary>
        public void RemoveContainer(string container, CancellationToken ct) =>
            Remove(RemoveContainerArguments(container), ct, "no such container", "no container with name or id", "already in progress");

        /// <summary><c>rmi -f</c>; an image that is already gone is not an error.</summary>
        public void RemoveImage(string imageReference, CancellationToken ct) =>
            Remove(new List<string> { "rmi", "-f", imageReference }, ct, "no such image", "image not known");

        /// <summary>
        /// <c>export CONTAINER</c>: the container's whole file system as a tar, streamed to
        /// <paramref name="readTar"/> (what it does not read is discarded).
        /// </summary>
        public void Export(string container, Action<Stream> readTar, CancellationToken ct)
        {
            if (readTar == null) throw new ArgumentNullException(nameof(readTar));
            var args = new List<string> { "export", container };
            var outcome = Execute(args, CommandTimeout, ct, readStdout: readTar);
            if (outcome.TimedOut || outcome.ExitCode != 0) throw Failure(args, outcome, CommandTimeout, null, outcome.CallbackFailure);
        }

        /// <summary>
        /// The engine's own architecture in OCI terms (amd64, arm64…), which may differ from this
        /// machine's (a remote DOCKER_HOST, a VM); null if the engine does not say.
        /// </summary>
        public string? Architecture(CancellationToken ct)
        {
            var outcome = Execute(ArchitectureArguments(), ShortCommandTimeout, ct);
            var arch = outcome.Stdout.Trim();
            return outcome.TimedOut || outcome.ExitCode != 0 || arch.Length == 0 || arch.StartsWith("<", StringComparison.Ordinal) ? null : arch;
        }

        /// <summary>
        /// <c>diff CONTAINER</c>: the paths the container added (A), changed (C) or deleted (D),
        /// as the engine's storage knows them (even a rewrite that kept size and time).
        /// </summary>
        public IReadOnlyList<(char Kind, string Path)> Diff(string container, CancellationToken ct)
        {
            var args = new List<string> { "diff", container };
            var outcome = Execute(args, CommandTimeout, ct);
            if (outcome.TimedOut || outcome.ExitCode != 0) throw Failure(args, outcome, CommandTimeout, null);
            var result = new List<(char, string)>();
            foreach (var line in outcome.Stdout.Split('\n'))
            {
                var text = line.Trim();
                if (text.Length > 2 && text[1] == ' ' && "ACD".IndexOf(text[0]) >= 0) result.Add((text[0], text.Substring(2)));
            }
            return result;
        }

        /// <summary>
        /// What the engine holds under <paramref name="reference"/>: its image ID (the config digest)
        /// and its layers' diff IDs in order; null when it has no such image.
        /// </summary>
        public (string Id, IReadOnlyList<string> DiffIds)? Inspect(string reference, CancellationToken ct)
        {
            var args = new List<string> { "image", "inspect", "--format", "{{.Id}} {{json .RootFS.Layers}}", reference };
            var outcome = Execute(args, ShortCommandTimeout, ct);
            if (outcome.TimedOut || outcome.ExitCode != 0) return null;
            var text = outcome.Stdout.Trim();
            int space = text.IndexOf(' ');
            if (space <= 0) return null;
            var id = text.Substring(0, space);
            if (!id.StartsWith("sha256:", StringComparison.Ordinal)) id = "sha256:" + id; // podman prints the bare hex
            try
            {
                var layers = Newtonsoft.Json.JsonConvert.DeserializeObject<List<string>>(text.Substring(space + 1)) ?? new List<string>();
                return (id, layers);
            }
            catch (Newtonsoft.Json.JsonException) { return (id, new List<string>()); }
        }

        public override string ToString() => Describe();

        /// <summary>Null when the engine answers, else the attempt's description for OCI4002.</summary>
        internal string? Probe(CancellationToken ct)
        {
            var args = ArchitectureArguments();
            var outcome = Execute(args, ProbeTimeout, ct);
            if (!outcome.TimedOut && outcome.ExitCode == 0) return null;
            var hosts = string.Join(", ", HostVariables().Select(v =>
            {
                var value = EngineEnvironment.Get(_environment, v);
                return string.IsNullOrEmpty(value) ? v + " not set" : v + "=" + value;
            }));
            var command = CommandLine.Display(Name, args);
            var what = outcome.TimedOut
                ? $"`{command}` did not answer within {ProbeTimeout.TotalSeconds:0} s"
                : $"`{command}` exited with code {outcome.ExitCode}: {Tail(outcome.Stderr.Trim().Length > 0 ? outcome.Stderr : outcome.Stdout)}";
            return $"{Name} ({Executable}) is installed but its engine does not answer: {what} ({hosts})";
        }

        // docker version fails when the daemon does not answer; podman version never contacts the
        // engine in local mode, podman info does (storage, runtime, configuration).
        private List<string> ArchitectureArguments() => Name == Docker
            ? new List<string> { "version", "--format", "{{.Server.Arch}}" }
            : new List<string> { "info", "--format", "{{.Host.Arch}}" };

        // docker rm -f kills at once; podman rm -f first waits the container's stop timeout (10 s),
        // which a shell as PID 1 always runs out (it ignores SIGTERM): -t 0 kills at once too.
        private List<string> RemoveContainerArguments(string container) => Name == Podman
            ? new List<string> { "rm", "-f", "-v", "-t", "0", container }
            : new List<string> { "rm", "-f", "-v", container }; // -v: a base's VOLUMEs leave no anonymous volume behind

        private IEnumerable<string> HostVariables() => Name == Docker
            ? new[] { "DOCKER_HOST", "DOCKER_CONTEXT" }
            : new[] { "CONTAINER_HOST" };

        internal List<string> RunArguments(RunRequest request, string name)
        {
            var args = new List<string> { "run" };
            if (!request.Keep) args.Add("--rm");
            args.Add("--name");
            args.Add(name);
            // The caller loads the image first; a registry lookup would only hide a wrong reference.
            args.Add("--pull=never");
            args.Add("--network");
            args.Add(request.Network ? "host" : "none");
            if (!string.IsNullOrEmpty(request.Platform))
            {
                args.Add("--platform");
                args.Add(request.Platform!);
            }
            if (!string.IsNullOrEmpty(request.User))
            {
                args.Add("--user");
                args.Add(request.User!);
            }
            if (!string.IsNullOrEmpty(request.WorkingDirectory))
            {
                args.Add("--workdir");
                args.Add(request.WorkingDirectory!);
            }
            foreach (var pair in request.Environment)
            {
                if (pair.Key.Length == 0 || pair.Key.IndexOf('=') >= 0)
                    throw new ArgumentException($"'{pair.Key}' is not an environment variable name.", nameof(request));
                args.Add("-e");
                args.Add(pair.Key + "=" + pair.Value);
            }
            foreach (var mount in request.Mounts)
            {
                args.Add("-v");
                args.Add(mount.Host + ":" + mount.Container + (mount.ReadOnly ? ":ro" : ""));
            }
            if (request.Entrypoint != null)
            {
                // --entrypoint takes one program; its arguments go after the image, before Args.
                args.Add("--entrypoint");
                args.Add(request.Entrypoint.Length > 0 ? request.Entrypoint[0] : "");
            }
            args.Add(request.Image);
            if (request.Entrypoint != null) args.AddRange(request.Entrypoint.Skip(1));
            args.AddRange(request.Args);
            return args;
        }

        private EngineOutcome Execute(List<string> args, TimeSpan timeout, CancellationToken ct, Action<Stream>? writeStdin = null, Action<Stream>? readStdout = null) =>
            EngineProcess.Run(Executable, args, _environment, timeout, ct, writeStdin, readStdout);

        private void Remove(List<string> args, CancellationToken ct, params string[] goneMessages)
        {
            var outcome = Execute(args, ShortCommandTimeout, ct);
            if (outcome.TimedOut) throw Failure(args, outcome, ShortCommandTimeout, null);
            if (outcome.ExitCode == 0) return;
            var said = outcome.Stderr + outcome.Stdout;
            if (goneMessages.Any(m => said.IndexOf(m, StringComparison.OrdinalIgnoreCase) >= 0)) return;
            throw Failure(args, outcome, ShortCommandTimeout, null);
        }

        // Best effort, after a timeout or cancellation: never masks what happened.
        private void RemoveAfterStop(string container)
        {
            try
            {
                Execute(RemoveContainerArguments(container), ShortCommandTimeout, CancellationToken.None);
            }
            catch (Exception e) when (e is OciException || e is IOException)
            {
            }
        }

        // docker: "docker: Error response from daemon: …"; podman: "Error: …".
        private static bool IsEngineMessage(string stderr) =>
            stderr.Split('\n').Any(l => l.StartsWith("docker: ", StringComparison.Ordinal) || l.StartsWith("Error: ", StringComparison.Ordinal)
                || l.StartsWith("Error response from daemon", StringComparison.Ordinal));

        private OciException Failure(List<string> args, EngineOutcome outcome, TimeSpan timeout, string? why, Exception? inner = null)
        {
            var command = CommandLine.Display(Name, args);
            if (outcome.TimedOut)
                return new OciException(ErrorCodes.EngineCommandFailed,
                    $"{Describe()}: `{command}` did not finish within {timeout.TotalSeconds:0} s and was stopped.");
            var output = outcome.Stderr.Trim().Length > 0 ? outcome.Stderr : outcome.Stdout;
            return new OciException(ErrorCodes.EngineCommandFailed,
                $"{Describe()}: `{command}` failed with exit code {outcome.ExitCode}{(why == null ? "" : " (" + why + ")")}: " +
                (output.Trim().Length == 0 ? "it printed nothing." : Tail(output)) +
                (inner == null ? "" : $" (reading its output also failed: {inner.Message})"), inner);
        }

        private static string Tail(string text)
        {
            text = text.Trim().Replace("\r", "");
            if (text.Length > MessageTailChars) text = "…" + text.Substring(text.Length - MessageTailChars);
            return text.Replace("\n", " | ");
        }
    }
}
