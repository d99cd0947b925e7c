using System;
using Microsoft.Build.Framework;
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

        /// <summary>Connections whose progress and retry notes go to the log at normal verbosity.</summary>
        protected RegistryConnections Connect() =>
            new RegistryConnections(Options(), log: message => Log.LogMessage(MessageImportance.Normal, message));

        /// <summary>Runs Core's async work from MSBuild's synchronous Execute, honouring cancellation.</summary>
        protected T Wait<T>(Func<System.Threading.CancellationToken, System.Threading.Tasks.Task<T>> work) =>
            System.Threading.Tasks.Task.Run(() => work(Cancellation.Token)).GetAwaiter().GetResult();
    }
}
