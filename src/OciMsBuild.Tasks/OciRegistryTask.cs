using System;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Base of the tasks that talk to registries. Only settings come in as parameters: credentials
    /// are read by Core from config files and the environment, so they never reach a binlog.
    /// </summary>
    public abstract class OciRegistryTask : OciTask
    {
        public string? InsecureRegistries { get; set; }
        public string? RegistryTimeout { get; set; }
        public string? RegistryRetries { get; set; }
        public string? RegistryChunkSize { get; set; }
        public string? RegistryParallelUploads { get; set; }

        protected RegistryOptions Options() =>
            RegistryOptions.From(InsecureRegistries, Environment.GetEnvironmentVariable("DOTNET_CONTAINER_INSECURE_REGISTRIES"),
                RegistryTimeout, RegistryRetries, RegistryChunkSize, RegistryParallelUploads);

        /// <summary>
        /// The build's shared connections for these settings (one pool, ping and token cache per registry for
        /// every registry task of the build on this node); their progress and retry notes go to this task's
        /// log at normal verbosity while it runs <see cref="Wait"/>. Dispose the lease, not the connections.
        /// </summary>
        private protected SharedRegistryConnections.Lease Connect() => SharedRegistryConnections.Acquire(BuildEngine, Options());

        /// <summary>
        /// OCI2020, once per variable, build and node: a password variable MSBuild records (DOTNET_CONTAINER_*_PWORD)
        /// is set while this build writes a log that records it. MSBuild lets a task tell: EngineServices
        /// .IsTaskInputLoggingEnabled is true when a binary logger or a diagnostic console/file logger is
        /// attached (also with MSBUILDLOGTASKINPUTS: a harmless extra warning) and false at minimal to detailed
        /// verbosity without -bl, on the entry node and on every worker node (-m), reused nodes included, since
        /// each build hands its logging parameters to its nodes (checked with SDK 10.0.4xx). The command line
        /// would not do: a worker node's is "/nodemode:1", and -bl can come from a response file. An engine too
        /// old to say counts as logging.
        /// </summary>
        protected void WarnIfPasswordVariablesAreLogged(RegistryAccess access)
        {
            var variables = MsBuildLoggedVariables.RecordedPasswordVariables(access);
            if (variables.Count == 0 || !BuildRecordsProperties()) return;
            var fresh = new System.Collections.Generic.List<string>();
            foreach (var name in variables)
            {
                var key = "OciMsBuild.OCI2020|" + name;
                if (BuildEngine is IBuildEngine4 engine4)
                {
                    if (engine4.GetRegisteredTaskObject(key, RegisteredTaskObjectLifetime.Build) != null) continue;
                    engine4.RegisterTaskObject(key, name, RegisteredTaskObjectLifetime.Build, allowEarlyCollection: false);
                }
                fresh.Add(name);
            }
            if (fresh.Count == 0) return;
            Log.LogWarning(null, ErrorCodes.PasswordInLoggedVariable, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0,
                CredentialAdvice.ForRecordedPasswordVariables(fresh));
        }

        private bool BuildRecordsProperties() =>
            !(BuildEngine is IBuildEngine10 engine10) || engine10.EngineServices.IsTaskInputLoggingEnabled;

        /// <summary>Runs Core's async work from MSBuild's synchronous Execute, honouring cancellation.</summary>
        protected T Wait<T>(Func<System.Threading.CancellationToken, System.Threading.Tasks.Task<T>> work)
        {
            // Set before Task.Run so the work's ExecutionContext carries this task's log route.
            using (SharedRegistryConnections.Route(message => Log.LogMessage(MessageImportance.Normal, message)))
                return System.Threading.Tasks.Task.Run(() => work(Cancellation.Token)).GetAwaiter().GetResult();
        }
    }
}
