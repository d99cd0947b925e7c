using System;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// Matching of the keys of config.json / auth.json ("host", "host:port", "https://host/v1/", …)
    /// against a normalized registry host.
    /// </summary>
    internal static class RegistryKeys
    {
        public const string DockerHub = "docker.io";

        /// <summary>The server URL Docker uses for Docker Hub in config.json and with credential helpers.</summary>
        public const string DockerHubServerUrl = "https://index.docker.io/v1/";

        /// <summary>Lower-case host[:port]; Docker Hub's aliases become docker.io.</summary>
        public static string NormalizeRegistry(string registry)
        {
            var host = StripScheme(registry.Trim());
            int slash = host.IndexOf('/');
            if (slash >= 0) host = host.Substring(0, slash);
            host = host.ToLowerInvariant();
            return IsDockerHubHost(host) ? DockerHub : host;
        }

        public static bool IsDockerHubHost(string host) =>
            host == DockerHub || host == "index.docker.io" || host == "registry-1.docker.io";

        /// <summary>What a credential helper gets on stdin: Docker Hub's legacy URL, else the host.</summary>
        public static string ServerUrlFor(string normalizedRegistry) =>
            normalizedRegistry == DockerHub ? DockerHubServerUrl : normalizedRegistry;

        /// <summary>
        /// The host a key stands for, or null when it cannot match a whole registry. Scheme and path are
        /// stripped; a key without a scheme but with a path is a podman namespace key ("quay.io/org"),
        /// which only counts when <paramref name="allowNamespaceKeys"/> (Docker's config treats any path as noise).
        /// </summary>
        public static string? HostOfKey(string key, bool allowNamespaceKeys)
        {
            var trimmed = key.Trim();
            if (trimmed.Length == 0) return null;
            var rest = StripScheme(trimmed);
            bool hadScheme = rest.Length != trimmed.Length;
            int slash = rest.IndexOf('/');
            if (slash >= 0)
            {
                bool pathIsEmpty = rest.Substring(slash).Trim('/').Length == 0;
                if (!hadScheme && !pathIsEmpty && !allowNamespaceKeys) return null;
                rest = rest.Substring(0, slash);
            }
            if (rest.Length == 0) return null;
            rest = rest.ToLowerInvariant();
            return IsDockerHubHost(rest) ? DockerHub : rest;
        }

        /// <summary>
        /// How well a key fits: 0 the key is the registry as written, 1 Docker Hub's canonical URL,
        /// 2 any other spelling of the same host, -1 no match.
        /// </summary>
        public static int Rank(string key, string normalizedRegistry, bool allowNamespaceKeys)
        {
            if (string.Equals(key.Trim(), normalizedRegistry, StringComparison.OrdinalIgnoreCase)) return 0;
            var host = HostOfKey(key, allowNamespaceKeys);
            if (host == null || host != normalizedRegistry) return -1;
            if (normalizedRegistry == DockerHub && string.Equals(key.Trim(), DockerHubServerUrl, StringComparison.OrdinalIgnoreCase)) return 1;
            return 2;
        }

        private static string StripScheme(string text)
        {
            if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return text.Substring(8);
            if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) return text.Substring(7);
            return text;
        }
    }
}
