using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Engines
{
    /// <summary>
    /// Picks the engine: the first candidate whose CLI is on PATH and whose engine answers. "Not on
    /// PATH" (OCI4001) and "there but not answering" (OCI4002) are told apart, and the message lists
    /// every attempt, because with <c>auto</c> the user cannot otherwise see why docker was passed over.
    /// </summary>
    internal static class EngineLocator
    {
        // Auto tries docker first: it is what most machines and CI runners have.
        private static readonly string[] AutoOrder = { ContainerEngine.Docker, ContainerEngine.Podman };

        public static ContainerEngine Find(string? choice, string propertyName, IReadOnlyDictionary<string, string?>? environment, CancellationToken ct)
        {
            var normalized = (choice ?? "").Trim().ToLowerInvariant();
            string[] candidates;
            if (normalized.Length == 0 || normalized == "auto") candidates = AutoOrder;
            else if (normalized == ContainerEngine.Docker || normalized == ContainerEngine.Podman) candidates = new[] { normalized };
            else
                throw new OciException(ErrorCodes.InvalidEngine,
                    $"{propertyName} '{choice}' is not a container engine OciMsBuild can use: use auto (docker, else podman), docker or podman.");

            var shown = normalized.Length == 0 ? "auto" : normalized;
            var path = EngineEnvironment.Get(environment, "PATH");
            var attempts = new List<string>();
            List<string> searched = new List<string>();
            bool anyInstalled = false;
            foreach (var name in candidates)
            {
                var executable = FindOnPath(name, path, out searched);
                if (executable == null)
                {
                    attempts.Add($"{name}: not found on PATH");
                    continue;
                }
                anyInstalled = true;
                var engine = new ContainerEngine(name, executable, environment);
                var failure = engine.Probe(ct);
                if (failure == null) return engine;
                attempts.Add(failure);
            }

            var pathText = searched.Count == 0 ? "PATH is empty" : "PATH searched: " + string.Join(Path.PathSeparator.ToString(), searched);
            if (!anyInstalled)
                throw new OciException(ErrorCodes.EngineNotFound,
                    $"No container engine CLI found for {propertyName}={shown}: {string.Join("; ", attempts)} ({pathText}). " +
                    $"Install Docker or Podman, or add the folder holding its CLI to the PATH the build runs with, or change {propertyName}.");
            throw new OciException(ErrorCodes.EngineNotAnswering,
                $"No container engine answers for {propertyName}={shown}: {string.Join("; ", attempts)}. " +
                "Start the engine (the command above must work in the environment the build runs in), fix DOCKER_HOST or DOCKER_CONTEXT (docker) " +
                $"or CONTAINER_HOST (podman), or set {propertyName} to an engine that runs.");
        }

        /// <summary>The CLI's full path from the PATH directories (on Windows with .exe), or null.</summary>
        internal static string? FindOnPath(string name, string? pathVariable, out List<string> searched)
        {
            searched = new List<string>();
            if (string.IsNullOrEmpty(pathVariable)) return null;
            var fileName = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? name + ".exe" : name;
            foreach (var raw in pathVariable!.Split(Path.PathSeparator))
            {
                var directory = raw.Trim().Trim('"');
                if (directory.Length == 0 || searched.Contains(directory)) continue;
                searched.Add(directory);
                string candidate;
                try
                {
                    candidate = Path.Combine(directory, fileName);
                }
                catch (ArgumentException)
                {
                    continue;
                }
                if (File.Exists(candidate)) return Path.GetFullPath(candidate);
            }
            return null;
        }
    }

    /// <summary>Reads a variable the way the CLI will see it: the caller's override, else this process's.</summary>
    internal static class EngineEnvironment
    {
        public static string? Get(IReadOnlyDictionary<string, string?>? overrides, string name)
        {
            if (overrides != null && overrides.TryGetValue(name, out var value)) return value;
            return Environment.GetEnvironmentVariable(name);
        }
    }
}
