using System;
using System.Linq;
using System.Net;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// HTTP_PROXY / HTTPS_PROXY / NO_PROXY as curl and Go read them (either case), on every runtime
    /// (the .NET Framework MSBuild in Visual Studio does not read them by itself). Loopback hosts
    /// never go through the proxy, as in Go's net/http.
    /// </summary>
    public sealed class EnvironmentProxy : IWebProxy
    {
        private readonly Uri? _http;
        private readonly Uri? _https;
        private readonly string[] _noProxy;

        private EnvironmentProxy(Uri? http, Uri? https, string[] noProxy)
        {
            _http = http;
            _https = https;
            _noProxy = noProxy;
            var proxy = https ?? http;
            if (proxy != null && !string.IsNullOrEmpty(proxy.UserInfo))
            {
                var parts = proxy.UserInfo.Split(new[] { ':' }, 2);
                Credentials = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
            }
        }

        public ICredentials? Credentials { get; set; }

        /// <summary>Null when no proxy variable is set.</summary>
        public static EnvironmentProxy? FromEnvironment(Func<string, string?> env)
        {
            var http = ParseProxy(env("HTTP_PROXY") ?? env("http_proxy"));
            var https = ParseProxy(env("HTTPS_PROXY") ?? env("https_proxy")) ?? ParseProxy(env("ALL_PROXY") ?? env("all_proxy"));
            if (http == null && https == null) return null;
            var noProxy = (env("NO_PROXY") ?? env("no_proxy") ?? "")
                .Split(new[] { ',', ' ' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim().ToLowerInvariant()).ToArray();
            return new EnvironmentProxy(http, https, noProxy);
        }

        private static Uri? ParseProxy(string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) return null;
            var v = value!.Trim();
            if (!v.Contains("://")) v = "http://" + v;
            return Uri.TryCreate(v, UriKind.Absolute, out var uri) ? uri : null;
        }

        public Uri? GetProxy(Uri destination) =>
            IsBypassed(destination) ? destination : (destination.Scheme == Uri.UriSchemeHttps ? _https : _http) ?? destination;

        public bool IsBypassed(Uri host)
        {
            if ((host.Scheme == Uri.UriSchemeHttps ? _https : _http) == null) return true;
            var name = host.IdnHost.Trim('[', ']').ToLowerInvariant();
            if (RegistryEndpoint.IsLoopbackHost(name)) return true;
            foreach (var entry in _noProxy)
            {
                if (entry == "*") return true;
                var e = entry;
                int colon = e.LastIndexOf(':');
                if (colon > 0 && e.IndexOf(']') < colon && int.TryParse(e.Substring(colon + 1), out var port))
                {
                    if (port != host.Port) continue;
                    e = e.Substring(0, colon);
                }
                e = e.Trim('[', ']');
                if (e.StartsWith("*.", StringComparison.Ordinal)) e = e.Substring(1);
                if (name == e.TrimStart('.') || (e.StartsWith(".", StringComparison.Ordinal) ? name.EndsWith(e, StringComparison.Ordinal) : name.EndsWith("." + e, StringComparison.Ordinal)))
                    return true;
            }
            return false;
        }
    }
}
