using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Build.Framework;
using OciMsBuild.Core.LayerCache;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// A layer packed into the shared layer cache in the background while the project compiles and,
    /// when pushing, then uploaded ahead of the push (see <see cref="PackOciRuntimeLayerEarly"/>).
    /// Lives in MSBuild's per-build task-object table: PackOciLayers waits for the pack only (its
    /// layers then find the layer in the cache by content), PushOciImage takes the object out and
    /// waits for the upload (its HEAD then finds the blob). The end of the build disposes what was
    /// never taken, which cancels it.
    /// </summary>
    internal sealed class EarlyLayerPack : IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        /// <param name="upload">Given the packed layer, uploads it ahead; returns its log line (null: nothing to say).</param>
        private EarlyLayerPack(Func<CancellationToken, LayerOutcome> pack, Func<LayerRecord, CancellationToken, Task<string?>>? upload)
        {
            Packed = Task.Run(() => pack(_stop.Token));
            Uploaded = upload == null
                ? Task.FromResult<string?>(null)
                : Packed.ContinueWith(p => p.Status == TaskStatus.RanToCompletion ? upload(p.Result.Record, _stop.Token) : Task.FromResult<string?>(null),
                    TaskScheduler.Default).Unwrap();
            // Observed here so a failure nobody waits for is never an unobserved task exception.
            Packed.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            Uploaded.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }

        public Task<LayerOutcome> Packed { get; }
        public Task<string?> Uploaded { get; }

        /// <summary>One per project, image RID and blob store: PackOciLayers and PushOciImage ask with the same three.</summary>
        public static string Key(string projectFile, string? runtimeIdentifier, string blobCachePath) =>
            "OciMsBuild.EarlyLayerPack|" + projectFile + "|" + runtimeIdentifier + "|" + blobCachePath;

        /// <summary>Starts the work unless this build already started it for the key (then false).</summary>
        public static bool Start(IBuildEngine4 engine, string key, Func<CancellationToken, LayerOutcome> pack,
            Func<LayerRecord, CancellationToken, Task<string?>>? upload)
        {
            if (engine.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) != null) return false;
            engine.RegisterTaskObject(key, new EarlyLayerPack(pack, upload), RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
            return true;
        }

        /// <summary>The work for the key, left in the table (PackOciLayers: the push still needs it).</summary>
        public static EarlyLayerPack? Find(IBuildEngine? engine, string key) =>
            engine is IBuildEngine4 engine4 ? engine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) as EarlyLayerPack : null;

        /// <summary>The work for the key, taken out of the table (PushOciImage: the last to need it).</summary>
        public static EarlyLayerPack? Take(IBuildEngine? engine, string key) =>
            engine is IBuildEngine4 engine4 ? engine4.UnregisterTaskObject(key, RegisteredTaskObjectLifetime.Build) as EarlyLayerPack : null;

        /// <summary>
        /// Waits for the pack. Returns what it did, or why it did not (it is only a head start:
        /// whatever went wrong, the caller packs as it would have without it).
        /// </summary>
        public (string Message, MessageImportance Importance) WaitPacked(CancellationToken cancellation)
        {
            WaitFor(Packed, cancellation);
            if (Packed.Status == TaskStatus.RanToCompletion)
                return (LayerLog.Describe("runtime (early, while the project compiled)", Packed.Result),
                    Packed.Result.Source == LayerSource.Packed ? MessageImportance.Normal : MessageImportance.Low);
            return ("OciMsBuild: the early pack of the runtime layer did not finish (" + (Packed.Exception?.InnerException?.Message ?? "cancelled") + "); the layer is produced as usual",
                MessageImportance.Low);
        }

        /// <summary>Waits for the upload ahead; its log line, or null. A failure only means the push uploads the blob itself.</summary>
        public string? WaitUploaded(CancellationToken cancellation)
        {
            WaitFor(Uploaded, cancellation);
            if (Uploaded.Status == TaskStatus.RanToCompletion) return Uploaded.Result;
            return "OciMsBuild: the upload ahead of the push did not finish (" + (Uploaded.Exception?.InnerException?.Message ?? "cancelled") + ")";
        }

        /// <summary>Returns when the task ends, or at once on a cancel (which also stops the work).</summary>
        private void WaitFor(Task task, CancellationToken cancellation)
        {
            try { task.Wait(cancellation); }
            catch (OperationCanceledException) { Dispose(); throw; }
            catch (AggregateException) { /* reported from the task's state */ }
        }

        public void Dispose()
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }
    }
}
