using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Build.Framework;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// A layer packed into the shared layer cache in the background while the project compiles
    /// (and, when pushing, uploaded ahead: see <see cref="PackOciRuntimeLayerEarly"/>). Lives in
    /// MSBuild's per-build task-object table; PackOciLayers takes it out and waits for it before
    /// producing its own layers, which then find the layer in the cache by content. The end of the
    /// build disposes what was never taken, which cancels it.
    /// </summary>
    internal sealed class EarlyLayerPack : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <param name="work">Packs (and uploads); returns its log line and how important it is.</param>
        private EarlyLayerPack(Func<CancellationToken, Task<(string Message, MessageImportance Importance)>> work)
        {
            Done = Task.Run(() => work(_stop.Token));
            // Observed here so a failure nobody waits for is never an unobserved task exception.
            Done.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }

        public Task<(string Message, MessageImportance Importance)> Done { get; }

        /// <summary>One per project, image RID and blob store: the project's PackOciLayers asks with the same three.</summary>
        public static string Key(string projectFile, string? runtimeIdentifier, string blobCachePath) =>
            "OciMsBuild.EarlyLayerPack|" + projectFile + "|" + runtimeIdentifier + "|" + blobCachePath;

        /// <summary>Starts the work unless this build already started it for the key (then false).</summary>
        public static bool Start(IBuildEngine4 engine, string key, Func<CancellationToken, Task<(string Message, MessageImportance Importance)>> work)
        {
            if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) != null) return false;
            engine.RegisterTaskObject(key, new EarlyLayerPack(work), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return true;
        }

        public static EarlyLayerPack? Take(IBuildEngine? engine, string key) =>
            engine is IBuildEngine4 engine4 ? engine4.UnregisterTaskObject(key, RegisteredTaskObjectLifetime.Build) as EarlyLayerPack : null;

        /// <summary>
        /// Waits for the work to end. Returns what it did, or the reason it did not (it is only a head
        /// start: whatever went wrong, the caller packs and pushes as it would have without it).
        /// </summary>
        public (string Message, MessageImportance Importance) Wait(CancellationToken cancellation)
        {
            try
            {
                using (cancellation.Register(Dispose))
                    ((IAsyncResult)Done).AsyncWaitHandle.WaitOne();
                cancellation.ThrowIfCancellationRequested();
                if (Done.Status == TaskStatus.RanToCompletion) return Done.Result;
                return ("OciMsBuild: the early pack of the runtime layer did not finish (" + (Done.Exception?.InnerException?.Message ?? "cancelled") + "); the layer is produced as usual",
                    MessageImportance.Low);
            }
            finally
            {
                if (Done.IsCompleted) _stop.Dispose();
            }
        }

        public void Dispose()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }
    }
}
