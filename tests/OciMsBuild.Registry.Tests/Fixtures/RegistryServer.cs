using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Threading;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A real registry: Debian's docker-registry (CNCF distribution 2.8.2) on 127.0.0.1 with a free port
    /// and filesystem storage in a fresh temp dir. Started by the factory methods, which return only
    /// once GET /v2/ answers; Dispose kills exactly the started process and deletes the temp dir.
    /// </summary>
    public sealed class RegistryServer : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
        private readonly TempDirectory _dir;
        private readonly Process _process;
        private readonly StringBuilder _log;

        private RegistryServer(TempDirectory dir, Process process, StringBuilder log, int port, bool tls)
        {
            _dir = dir;
            _process = process;
            _log = log;
            Port = port;
            IsTls = tls;
            Storage = new RegistryStorage(dir.Combine("data"));
        }

        public int Port { get; }

        /// <summary>"127.0.0.1:PORT" — the registry part of an image reference.</summary>
        public string Host => "127.0.0.1:" + Port;

        public bool IsTls { get; }

        /// <summary>http(s)://127.0.0.1:PORT</summary>
        public Uri BaseUri => new Uri((IsTls ? "https://" : "http://") + Host);

        public string StorageDirectory => Storage.RootDirectory;

        public RegistryStorage Storage { get; }

        public int ProcessId => _process.Id;

        /// <summary>Everything the registry printed so far (stdout and stderr interleaved).</summary>
        public string Log { get { lock (_log) return _log.ToString(); } }

        public bool BlobExists(string digest) => Storage.BlobExists(digest);

        public static RegistryServer StartAnonymous() => Start("anonymous", _ => { });

        public static RegistryServer StartBasic(string user, string password)
        {
            var line = Htpasswd.BcryptLine(user, password); // before starting anything, so a missing htpasswd leaks nothing
            return Start("basic", (config, dir) =>
            {
                config.HtpasswdPath = dir.Combine("htpasswd");
                File.WriteAllText(config.HtpasswdPath, line);
            });
        }

        public static RegistryServer StartToken(TokenServer tokens) =>
            Start("token", config => config.Token = new RegistryConfig.TokenAuthSettings(tokens.Realm, tokens.Service, tokens.Issuer, tokens.CertificatePath));

        /// <summary>Anonymous over HTTPS with the server certificate of <paramref name="tls"/>.</summary>
        public static RegistryServer StartTls(TlsMaterial tls) => Start("tls", config =>
        {
            config.TlsCertificatePath = tls.ServerCertificatePath;
            config.TlsKeyPath = tls.ServerKeyPath;
        });

        private static RegistryServer Start(string mode, Action<RegistryConfig> configure) =>
            Start(mode, (config, _) => configure(config));

        private static RegistryServer Start(string mode, Action<RegistryConfig, TempDirectory> configure)
        {
            var binary = Tools.Require("docker-registry");
            // FreePort has a tiny race with other processes: retry on a fresh port if the bind failed.
            for (var attempt = 1; ; attempt++)
            {
                var dir = new TempDirectory("ocimsbuild-registry-" + mode);
                try
                {
                    Directory.CreateDirectory(dir.Combine("data"));
                    var config = new RegistryConfig { Port = FreePort.Get(), StorageDirectory = dir.Combine("data") };
                    configure(config, dir);
                    var configPath = dir.Combine("config.yml");
                    File.WriteAllText(configPath, config.ToYaml());
                    return Launch(binary, configPath, dir, config.Port, config.TlsCertificatePath != null);
                }
                catch (RegistryStartException e) when (attempt < 3 && e.Log.Contains("address already in use"))
                {
                    dir.Dispose();
                }
                catch
                {
                    dir.Dispose();
                    throw;
                }
            }
        }

        private static RegistryServer Launch(string binary, string configPath, TempDirectory dir, int port, bool tls)
        {
            var info = new ProcessStartInfo(binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
                WorkingDirectory = dir.Path,
            };
            info.ArgumentList.Add("serve");
            info.ArgumentList.Add(configPath);
            // The registry reads REGISTRY_* variables as config overrides: none from the test's environment.
            foreach (var key in new System.Collections.Generic.List<string>(info.Environment.Keys))
                if (key.StartsWith("REGISTRY_", StringComparison.Ordinal)) info.Environment.Remove(key);

            var log = new StringBuilder();
            var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) log.AppendLine(e.Data); };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new RegistryServer(dir, process, log, port, tls);
            try
            {
                server.WaitUntilAnswering();
                return server;
            }
            catch
            {
                server.KillProcess();
                throw;
            }
        }

        private void WaitUntilAnswering()
        {
            using var handler = new SocketsHttpHandler
            {
                UseProxy = false,
                // Readiness only: the certificate is checked by the tests themselves, not here.
                SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit();
                    throw new RegistryStartException($"docker-registry exited with code {_process.ExitCode} before answering on {BaseUri}", Log);
                }
                try
                {
                    using var response = client.GetAsync(new Uri(BaseUri, "/v2/")).GetAwaiter().GetResult();
                    return; // any HTTP status: anonymous 200, auth modes 401
                }
                catch (HttpRequestException) { }
                catch (System.Threading.Tasks.TaskCanceledException) { } // the 2 s client timeout
                if (clock.Elapsed > StartTimeout)
                    throw new RegistryStartException($"docker-registry did not answer on {BaseUri} within {StartTimeout.TotalSeconds} s", Log);
                Thread.Sleep(50);
            }
        }

        private void KillProcess()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: false); // exactly the process we started
                    _process.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }

        public void Dispose()
        {
            KillProcess();
            _dir.Dispose();
        }
    }

    /// <summary>The registry died or never answered; carries its log for the failure message.</summary>
    public sealed class RegistryStartException : Exception
    {
        public RegistryStartException(string message, string log) : base(message + "\n--- registry log ---\n" + log) => Log = log;

        public string Log { get; }
    }
}
