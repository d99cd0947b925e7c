using System;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Base of every task: a user mistake (OciException) becomes one coded MSBuild error with no
    /// stack trace; anything else is a bug and keeps its stack trace.
    /// </summary>
    public abstract class OciTask : Task, ICancelableTask
    {
        protected System.Threading.CancellationTokenSource Cancellation { get; } = new System.Threading.CancellationTokenSource();

        public void Cancel() => Cancellation.Cancel();

        public sealed override bool Execute()
        {
            try
            {
                Run();
            }
            catch (OciException e)
            {
                Log.LogError(null, e.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, e.Message);
            }
            catch (OperationCanceledException)
            {
                Log.LogWarning("OciMsBuild: the build was cancelled; nothing was left half-written.");
                return false;
            }
            catch (AggregateException e) when (e.Flatten().InnerExceptions.Any(x => x is OperationCanceledException) && Cancellation.IsCancellationRequested)
            {
                // Parallel work: some branches saw the cancellation, others failed because of it.
                Log.LogWarning("OciMsBuild: the build was cancelled; nothing was left half-written.");
                return false;
            }
            catch (AggregateException e) when (e.Flatten().InnerExceptions.OfType<OciException>().FirstOrDefault() is OciException inner)
            {
                Log.LogError(null, inner.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, inner.Message);
            }
            catch (Exception e) when (FileSystemFailure.Of(e) is Exception io)
            {
                // The machine, not our code: a full disk, a permission, a path in the way. Coded, no stack trace.
                var error = FileSystemFailure.ToError(GetType().Name, io);
                Log.LogError(null, error.Code, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0, error.Message);
            }
            return !Log.HasLoggedErrors;
        }

        protected abstract void Run();

        protected static string Meta(ITaskItem item, string name)
        {
            var value = item.GetMetadata(name);
            return value ?? "";
        }
    }
}
