using System;
using System.Collections.Concurrent;
using System.Net.Http;
using OciMsBuild.Core.Auth;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// The one HttpClient (connection pool, proxy, certificate rules) and the sessions per registry
    /// and access, shared by every pull and push of a build (see the Tasks' SharedRegistryConnections).
    /// </summary>
    public sealed class RegistryConnections : IDisposable
    {
        private readonly HttpClient _http;
        private readonly CredentialResolver _credentials;
        private readonly TokenCache _tokens = new TokenCache();
        private readonly ConcurrentDictionary<string, RegistrySession> _sessions = new ConcurrentDictionary<string, RegistrySession>();
        private readonly ConcurrentDictionary<string, RegistryProbe> _probes = new ConcurrentDictionary<string, RegistryProbe>();
        private readonly Action<string>? _log;

        public RegistryConnections(RegistryOptions options, CredentialResolver? credentials = null, Func<string, string?>? env = null, Action<string>? log = null)
        {
            Options = options;
            env ??= Environment.GetEnvironmentVariable;
            _credentials = credentials ?? new CredentialResolver(env);
            _log = log;
            var trusted = TrustedCertificates.FromEnvironment(env);
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false, // followed by RegistrySession, which drops credentials on other hosts
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                MaxConnectionsPerServer = Math.Max(4, options.ParallelUploads + 2),
                ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) =>
                {
                    if (errors == System.Net.Security.SslPolicyErrors.None) return true;
                    // Listed insecure registries skip verification, as with Docker's insecure-registries.
                    var authority = request.RequestUri?.Authority ?? "";
                    if (options.InsecureRegistries.Contains(authority.ToLowerInvariant())) return true;
                    return trusted.Accepts(certificate, errors);
                },
            };
            var proxy = EnvironmentProxy.FromEnvironment(env);
            if (proxy != null)
            {
                handler.Proxy = proxy;
                handler.UseProxy = true;
            }
            _http = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            _http.DefaultRequestHeaders.UserAgent.ParseAdd("OciMsBuild/1.0");
        }

        public RegistryOptions Options { get; }

        /// <summary>
        /// One session per registry and access (each with its own credential), both sharing the registry's
        /// probe (one ping, one known challenge) and the token cache (keyed by access and scope).
        /// </summary>
        public RegistrySession Session(string registry, RegistryAccess access) =>
            _sessions.GetOrAdd(registry.ToLowerInvariant() + "|" + access, _ =>
                new RegistrySession(new RegistryEndpoint(registry, Options), access, _http, _credentials, _tokens, Options, _log,
                    _probes.GetOrAdd(registry.ToLowerInvariant(), __ => new RegistryProbe())));

        public RegistryClient Client(string registry, RegistryAccess access) => new RegistryClient(Session(registry, access), _log);

        public void Dispose() => _http.Dispose();
    }
}
