using System;
using System.Net;
using OciMsBuild.Core.References;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Where a registry name is served: Docker Hub's API host, and whether plain HTTP may be used
    /// (loopback, or listed as insecure: the rule Docker and the .NET SDK follow).
    /// </summary>
    public sealed class RegistryEndpoint
    {
        public RegistryEndpoint(string registry, RegistryOptions options)
        {
            Registry = registry.ToLowerInvariant();
            ApiHost = Registry == ImageReference.DockerHub ? ImageReference.DockerHubEndpoint : Registry;
            IsLoopback = IsLoopbackHost(HostOnly(Registry));
            IsInsecure = options.InsecureRegistries.Contains(Registry);
        }

        /// <summary>The name as in image references ('docker.io', '127.0.0.1:5000').</summary>
        public string Registry { get; }

        /// <summary>host[:port] requests go to.</summary>
        public string ApiHost { get; }

        public bool IsLoopback { get; }

        /// <summary>Listed in ContainerInsecureRegistries / DOTNET_CONTAINER_INSECURE_REGISTRIES.</summary>
        public bool IsInsecure { get; }

        /// <summary>Plain HTTP is allowed (after HTTPS was tried).</summary>
        public bool AllowsHttp => IsLoopback || IsInsecure;

        public Uri BaseUri(bool https) => new Uri((https ? "https://" : "http://") + ApiHost + "/");

        internal static string HostOnly(string hostPort)
        {
            if (hostPort.StartsWith("[", StringComparison.Ordinal))
            {
                int close = hostPort.IndexOf(']');
                return close > 0 ? hostPort.Substring(1, close - 1) : hostPort;
            }
            int colon = hostPort.LastIndexOf(':');
            return colon > 0 && hostPort.IndexOf(':') == colon ? hostPort.Substring(0, colon) : hostPort;
        }

        internal static bool IsLoopbackHost(string host)
        {
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
        }
    }
}
