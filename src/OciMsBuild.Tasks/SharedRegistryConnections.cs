using System;
using System.Threading;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// One <see cref="RegistryConnections"/> per build and node for each distinct set of settings, held by
    /// MSBuild (RegisterTaskObject, lifetime Build: disposed when the build ends), so base resolution,
    /// base-layer fetches and the push share one connection pool, one /v2/ ping and one token cache per
    /// registry. Tokens stay scoped: the cache is keyed by access, realm, service and scope set.
    /// <para>
    /// Its log cannot be the first task's TaskLoggingHelper (that task is over when the next one logs):
    /// messages go to whichever task is running the request, through an AsyncLocal each task sets
    /// around its own work (<see cref="Route"/>).
    /// </para>
    /// </summary>
    internal static class SharedRegistryConnections
    {
        private static readonly AsyncLocal<Action<string>?> CurrentLog = new AsyncLocal<Action<string>?>();
        private static readonly object Gate = new object();

        /// <summary>The shared connections for these options, or, on an engine that cannot hold them, private ones the lease disposes.</summary>
        public static Lease Acquire(IBuildEngine? engine, RegistryOptions options)
        {
            if (engine is IBuildEngine4 engine4)
            {
                // The assembly's path too: two versions of the package in one build never hand each other objects.
                var key = SharedConnectionsKey.For(options, Environment.GetEnvironmentVariables()) + "|" + typeof(RegistryConnections).Assembly.Location;
                lock (Gate)
                {
                    if (engine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) is RegistryConnections shared)
                        return new Lease(shared, owned: false);
                    var created = new RegistryConnections(options, log: Write);
                    engine4.RegisterTaskObject(key, created, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
                    return new Lease(created, owned: false);
                }
            }
            return new Lease(new RegistryConnections(options, log: Write), owned: true);
        }

        /// <summary>Sends the shared connections' messages to <paramref name="log"/> for the work started inside the scope.</summary>
        public static IDisposable Route(Action<string> log)
        {
            var previous = CurrentLog.Value;
            CurrentLog.Value = log;
            return new Restore(previous);
        }

        private static void Write(string message) => CurrentLog.Value?.Invoke(message);

        private sealed class Restore : IDisposable
        {
            private readonly Action<string>? _previous;
            public Restore(Action<string>? previous) => _previous = previous;
            public void Dispose() => CurrentLog.Value = _previous;
        }

        public sealed class Lease : IDisposable
        {
            private readonly bool _owned;

            public Lease(RegistryConnections connections, bool owned)
            {
                Connections = connections;
                _owned = owned;
            }

            public RegistryConnections Connections { get; }

            public void Dispose()
            {
                if (_owned) Connections.Dispose();
            }
        }
    }
}
