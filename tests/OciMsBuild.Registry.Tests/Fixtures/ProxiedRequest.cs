using System;
using System.Collections.Generic;
using System.Threading;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// One request that went through a proxy. What the client sent is fixed when it arrives (fault rules
    /// match on it); what happened next (status, bytes, fault) is filled in as the request proceeds, so
    /// a test reading it right after its client returned sees the status the client saw. Secrets are not
    /// kept: of Authorization only the scheme ("Basic", "Bearer").
    /// </summary>
    public sealed class ProxiedRequest
    {
        private int _status;
        private long _requestBodyBytes;
        private long _responseBodyBytes;
        private string? _fault;
        private string? _location;
        private string? _error;
        private int _completed;

        public ProxiedRequest(long sequence, string method, string target, string pathAndQuery, string? authorizationScheme,
            IReadOnlyDictionary<string, string> headers)
        {
            Sequence = sequence;
            Time = DateTimeOffset.UtcNow;
            Method = method;
            Target = target;
            PathAndQuery = pathAndQuery;
            var q = pathAndQuery.IndexOf('?');
            Path = q < 0 ? pathAndQuery : pathAndQuery.Substring(0, q);
            AuthorizationScheme = authorizationScheme;
            Headers = headers;
        }

        /// <summary>Arrival order within the proxy, from 1.</summary>
        public long Sequence { get; }

        public DateTimeOffset Time { get; }

        public string Method { get; }

        /// <summary>The request target as sent: "/v2/…" (origin form) or "http://host:port/v2/…" (through a forward proxy).</summary>
        public string Target { get; }

        /// <summary>Path and query, raw (not decoded).</summary>
        public string PathAndQuery { get; }

        public string Path { get; }

        public string? AuthorizationScheme { get; }

        /// <summary>Request headers except Authorization, Proxy-Authorization and Cookie.</summary>
        public IReadOnlyDictionary<string, string> Headers { get; }

        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

        /// <summary>"/v2/NAME/blobs/uploads/…" (POST start, PATCH chunk, PUT finish of a blob upload).</summary>
        public bool IsBlobUpload => Path.Contains("/blobs/uploads/", StringComparison.Ordinal);

        /// <summary>"/v2/NAME/blobs/sha256:…" (HEAD/GET of a blob).</summary>
        public bool IsBlob => Path.Contains("/blobs/", StringComparison.Ordinal) && !IsBlobUpload;

        public bool IsManifest => Path.Contains("/manifests/", StringComparison.Ordinal);

        /// <summary>HTTP status sent to the client; 0 while pending or when the connection was cut.</summary>
        public int Status { get => Volatile.Read(ref _status); internal set => Volatile.Write(ref _status, value); }

        /// <summary>Request body bytes the proxy read from the client.</summary>
        public long RequestBodyBytes => Interlocked.Read(ref _requestBodyBytes);

        /// <summary>Response body bytes the proxy sent to the client.</summary>
        public long ResponseBodyBytes => Interlocked.Read(ref _responseBodyBytes);

        /// <summary>Description of the injected fault, or null.</summary>
        public string? Fault { get => Volatile.Read(ref _fault); internal set => Volatile.Write(ref _fault, value); }

        public bool FaultInjected => Fault != null;

        /// <summary>The Location header of the response, as the upstream wrote it.</summary>
        public string? ResponseLocation { get => Volatile.Read(ref _location); internal set => Volatile.Write(ref _location, value); }

        /// <summary>Why forwarding failed (upstream unreachable, client went away), or null.</summary>
        public string? Error { get => Volatile.Read(ref _error); internal set => Volatile.Write(ref _error, value); }

        public bool Completed => Volatile.Read(ref _completed) != 0;

        internal void AddRequestBytes(long n) => Interlocked.Add(ref _requestBodyBytes, n);

        internal void AddResponseBytes(long n) => Interlocked.Add(ref _responseBodyBytes, n);

        internal void MarkCompleted() => Volatile.Write(ref _completed, 1);

        public override string ToString() =>
            $"#{Sequence} {Method} {PathAndQuery} -> {(Status == 0 ? "(none)" : Status.ToString())} req={RequestBodyBytes}B resp={ResponseBodyBytes}B" +
            (Fault != null ? $" FAULT[{Fault}]" : "") + (Error != null ? $" error={Error}" : "");
    }
}
