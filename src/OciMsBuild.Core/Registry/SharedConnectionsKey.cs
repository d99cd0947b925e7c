using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// When two tasks of one build may share one <see cref="RegistryConnections"/> (one connection pool,
    /// one ping and one token cache per registry): when every setting that shapes it is the same. That is
    /// the registry options and the environment, which holds the proxy, certificate and credential
    /// sources (HTTPS_PROXY, SSL_CERT_FILE, DOCKER_CONFIG, HOME, the SDK's credential variables…). The
    /// whole environment goes in rather than a list of names, so a variable added later cannot be
    /// forgotten; within one build it does not change. The key is a hash: it never holds a value.
    /// </summary>
    public static class SharedConnectionsKey
    {
        public const string Prefix = "OciMsBuild.RegistryConnections|";

        public static string For(RegistryOptions options, IDictionary environment)
        {
            var text = new StringBuilder();
            text.Append("insecure=").Append(string.Join(",", options.InsecureRegistries.Select(r => r.ToLowerInvariant()).OrderBy(r => r, StringComparer.Ordinal))).Append('\n');
            text.Append("timeout=").Append(options.RequestTimeout.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("retries=").Append(options.MaxRetries.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("retryDelay=").Append(options.RetryBaseDelay.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("retryAfter=").Append(options.MaxRetryAfter.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("chunk=").Append(options.ChunkSize.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append("parallel=").Append(options.ParallelUploads.ToString(CultureInfo.InvariantCulture)).Append('\n');
            var variables = new List<KeyValuePair<string, string>>();
            foreach (DictionaryEntry entry in environment)
                variables.Add(new KeyValuePair<string, string>(entry.Key?.ToString() ?? "", entry.Value?.ToString() ?? ""));
            foreach (var v in variables.OrderBy(v => v.Key, StringComparer.Ordinal))
                text.Append(v.Key).Append('=').Append(v.Value.Length).Append(':').Append(v.Value).Append('\0');
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
            return Prefix + BitConverter.ToString(hash).Replace("-", "").ToLowerInvariant();
        }
    }
}
