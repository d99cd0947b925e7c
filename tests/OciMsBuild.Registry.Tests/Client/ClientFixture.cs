using System;
using System.Collections.Generic;
using System.IO;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>
    /// Per test: a temp folder with a blob store, an isolated environment (HOME in the temp folder,
    /// so the machine's docker login never leaks in) and a log of everything the client said.
    /// </summary>
    public abstract class ClientFixture
    {
        protected string Work = "";
        protected BlobStore Store = null!;
        protected Dictionary<string, string?> Env = null!;
        protected List<string> LogLines = null!;

        [SetUp]
        public void CreateWork()
        {
            Work = Path.Combine(Path.GetTempPath(), "oci-client-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Work);
            Store = new BlobStore(Path.Combine(Work, "store"));
            Env = new Dictionary<string, string?> { ["HOME"] = Path.Combine(Work, "home"), ["PATH"] = Environment.GetEnvironmentVariable("PATH") };
            Directory.CreateDirectory(Env["HOME"]!);
            LogLines = new List<string>();
        }

        [TearDown]
        public void DeleteWork()
        {
            try { Directory.Delete(Work, true); } catch (IOException) { }
        }

        protected string? GetEnv(string name) => Env.TryGetValue(name, out var v) ? v : null;

        /// <summary>Fast retries so fault tests take seconds.</summary>
        protected RegistryOptions FastOptions(Action<RegistryOptions>? change = null)
        {
            var options = new RegistryOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(50), MaxRetryAfter = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(30) };
            change?.Invoke(options);
            return options;
        }

        protected RegistryConnections Connect(RegistryOptions? options = null) =>
            new RegistryConnections(options ?? FastOptions(), new CredentialResolver(GetEnv, Env["HOME"]), GetEnv, line => { lock (LogLines) LogLines.Add(line); });

        protected string AllLog { get { lock (LogLines) return string.Join("\n", LogLines); } }
    }
}
