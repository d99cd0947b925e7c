using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Registry
{
    /// <summary>How the client talks to registries: which may use plain HTTP, timeouts, retries, upload shape.</summary>
    public sealed class RegistryOptions
    {
        public const int DefaultTimeoutSeconds = 300;
        public const int DefaultRetries = 5;
        public const long DefaultChunkSize = 16L * 1024 * 1024;
        public const int DefaultParallelUploads = 3;

        /// <summary>Registries (host[:port], lower case) allowed over plain HTTP and without certificate checks.</summary>
        public ISet<string> InsecureRegistries { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Per request; a long upload is many requests (chunks).</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(DefaultTimeoutSeconds);

        /// <summary>Retries after the first attempt, for connection errors, timeouts, 5xx and 429.</summary>
        public int MaxRetries { get; set; } = DefaultRetries;

        /// <summary>First backoff delay; doubles each retry, with jitter. Tests make it small.</summary>
        public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>Longest Retry-After honoured; a longer one is capped so a build never hangs for hours.</summary>
        public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size.</summary>
        public long ChunkSize { get; set; } = DefaultChunkSize;

        /// <summary>How many blobs upload at once.</summary>
        public int ParallelUploads { get; set; } = DefaultParallelUploads;

        /// <summary>
        /// Builds options from MSBuild properties and the environment variable the .NET SDK honours
        /// (DOTNET_CONTAINER_INSECURE_REGISTRIES); lists accept ';' and ','.
        /// </summary>
        public static RegistryOptions From(string? insecureRegistries, string? insecureFromEnvironment,
            string? timeoutSeconds, string? retries, string? chunkSize, string? parallelUploads)
        {
            var options = new RegistryOptions();
            foreach (var entry in SplitList(insecureRegistries).Concat(SplitList(insecureFromEnvironment)))
                options.InsecureRegistries.Add(NormalizeHost(entry));
            options.RequestTimeout = TimeSpan.FromSeconds(Number("ContainerRegistryTimeout", timeoutSeconds, DefaultTimeoutSeconds, 1, 86400, "seconds, e.g. '300'"));
            options.MaxRetries = (int)Number("ContainerRegistryRetries", retries, DefaultRetries, 0, 100, "retries, e.g. '5' (0 turns retries off)");
            options.ChunkSize = Number("ContainerRegistryChunkSize", chunkSize, DefaultChunkSize, 64 * 1024, 1L << 32, "bytes from 65536, e.g. '16777216' (16 MiB)");
            options.ParallelUploads = (int)Number("ContainerRegistryParallelUploads", parallelUploads, DefaultParallelUploads, 1, 32, "uploads at once from 1 to 32, e.g. '3'");
            return options;
        }

        public static IEnumerable<string> SplitList(string? list) =>
            (list ?? "").Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0);

        /// <summary>'https://Host:5000/' → 'host:5000'.</summary>
        public static string NormalizeHost(string entry)
        {
            var e = entry.Trim();
            int scheme = e.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0) e = e.Substring(scheme + 3);
            int slash = e.IndexOf('/');
            if (slash >= 0) e = e.Substring(0, slash);
            return e.ToLowerInvariant();
        }

        private static long Number(string property, string? text, long fallback, long min, long max, string valid)
        {
            var t = (text ?? "").Trim();
            if (t.Length == 0) return fallback;
            if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                throw new OciException(ErrorCodes.InvalidRegistrySetting, $"{property} '{text}' is not valid: use whole {valid}.");
            return n;
        }
    }
}
