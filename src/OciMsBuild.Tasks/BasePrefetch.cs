using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// A registry base resolved in the background while the project compiles and publishes, so the
    /// image step finds the pin (and a warm HTTP stack) ready instead of paying for it in line.
    /// Lives in MSBuild's per-build task-object table: ResolveOciBaseImage takes it out and uses
    /// its result, or resolves in line when there is none (another node, a failure, a cancel).
    /// The end of the build disposes what was never taken, which cancels it.
    /// </summary>
    internal sealed class BasePrefetch : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly ConcurrentQueue<string> _messages = new ConcurrentQueue<string>();

        private BasePrefetch(IBuildEngine4 engine, ImageReference reference, Platform platform, PullPolicy policy, string blobCachePath, RegistryOptions options)
        {
            Reader = new RegistryBaseReader(new BlobStore(blobCachePath));
            // The build's shared connections: the push later reuses this ping, these connections and tokens.
            var lease = SharedRegistryConnections.Acquire(engine, options);
            Pinned = Task.Run(async () =>
            {
                using (lease)
                using (SharedRegistryConnections.Route(_messages.Enqueue))
                    return await Reader.PinAsync(reference, platform, policy, () => lease.Connections.Client(reference.Registry, RegistryAccess.Pull), _stop.Token)
                        .ConfigureAwait(false);
            });
            // Observed here so a failure nobody waits for is never an unobserved task exception.
            Pinned.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }

        private static readonly string[] ResolveAgainAfter =
        {
            ErrorCodes.RegistryUnauthorized, ErrorCodes.RegistryDenied, ErrorCodes.RegistryNotFound,
        };

        public RegistryBaseReader Reader { get; }
        public Task<string> Pinned { get; }

        /// <summary>What the background work would have logged (retries, refetches), for the task that uses it.</summary>
        public IEnumerable<string> Messages => _messages;

        public static string Key(string baseImage, string runtimeIdentifier, string blobCachePath, string? policy) =>
            "OciMsBuild.BasePrefetch|" + baseImage + "|" + runtimeIdentifier + "|" + blobCachePath + "|" + policy;

        /// <summary>Starts one unless the build already has it (an earlier target, or another project on this node).</summary>
        public static void Start(IBuildEngine4 engine, string key, ImageReference reference, Platform platform, PullPolicy policy, string blobCachePath, RegistryOptions options)
        {
            if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) != null) return;
            engine.RegisterTaskObject(key, new BasePrefetch(engine, reference, platform, policy, blobCachePath, options), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
        }

        /// <summary>Takes the prefetch for <paramref name="key"/> out of the table (null when there is none).</summary>
        public static BasePrefetch? Take(IBuildEngine? engine, string key) =>
            engine is IBuildEngine4 engine4 ? engine4.UnregisterTaskObject(key, RegisteredTaskObjectLifetime.Build) as BasePrefetch : null;

        /// <summary>The pinned digest, or null when the prefetch failed or was stopped (the caller then resolves in line).</summary>
        public string? Wait(CancellationToken cancellation)
        {
            try
            {
                using (var gate = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
                {
                    var cancelled = Task.Delay(Timeout.Infinite, gate.Token);
                    var first = Task.WhenAny(Pinned, cancelled).GetAwaiter().GetResult();
                    gate.Cancel(); // ends the delay either way
                    if (first != Pinned)
                    {
                        Dispose();
                        cancellation.ThrowIfCancellationRequested();
                    }
                }
                if (Pinned.Status == TaskStatus.RanToCompletion) return Pinned.Result;
                // A failure that already went through every retry (unreachable, timeouts, 5xx) is
                // reported as it is, not waited out a second time. Credentials may have been set
                // since it started, and a cancel is not an answer: those are resolved again in line.
                if (Pinned.Exception?.InnerException is OciException failure && Array.IndexOf(ResolveAgainAfter, failure.Code) < 0)
                    throw failure;
                return null;
            }
            finally
            {
                if (Pinned.IsCompleted) _stop.Dispose();
            }
        }

        public void Dispose()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }
    }
}
