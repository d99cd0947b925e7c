using System;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>What a FaultProxy does to a request matched by a rule instead of (or before) forwarding it.</summary>
    public sealed class Fault
    {
        public enum FaultKind { Status, TooManyRequests, CutConnection, CutResponse, Delay, Throttle }

        private Fault(FaultKind kind) => Kind = kind;

        public FaultKind Kind { get; }

        public int StatusCode { get; private init; }

        public int RetryAfterSeconds { get; private init; }

        public long AfterBytes { get; private init; }

        public TimeSpan Duration { get; private init; }

        public long BytesPerSecond { get; private init; }

        /// <summary>Answer this status with an OCI-style JSON error body, without forwarding.</summary>
        public static Fault Status(int code) => new(FaultKind.Status) { StatusCode = code };

        /// <summary>429 with Retry-After: SECONDS, without forwarding.</summary>
        public static Fault TooManyRequests(int retryAfterSeconds) =>
            new(FaultKind.TooManyRequests) { StatusCode = 429, RetryAfterSeconds = retryAfterSeconds };

        /// <summary>
        /// Read up to that many request-body bytes (they are not forwarded), then drop the TCP connection
        /// without any answer: the client sees a dropped connection (HttpRequestException / IOException).
        /// </summary>
        public static Fault CutConnection(long afterRequestBodyBytes = 0) =>
            new(FaultKind.CutConnection) { AfterBytes = afterRequestBodyBytes };

        /// <summary>Forward the request, send the response headers and that many body bytes, then drop the connection.</summary>
        public static Fault CutResponse(long afterResponseBodyBytes) =>
            new(FaultKind.CutResponse) { AfterBytes = afterResponseBodyBytes };

        /// <summary>Wait, then forward normally.</summary>
        public static Fault Delay(TimeSpan duration) => new(FaultKind.Delay) { Duration = duration };

        /// <summary>
        /// Forward normally, but move the request body and the response body each at that many bytes per
        /// second (a slow link): long uploads and downloads on loopback. Small bodies are barely slowed.
        /// </summary>
        public static Fault Throttle(long bytesPerSecond) =>
            bytesPerSecond < 1 ? throw new ArgumentOutOfRangeException(nameof(bytesPerSecond)) : new(FaultKind.Throttle) { BytesPerSecond = bytesPerSecond };

        public override string ToString() => Kind switch
        {
            FaultKind.Status => $"status {StatusCode}",
            FaultKind.TooManyRequests => $"429 Retry-After {RetryAfterSeconds}",
            FaultKind.CutConnection => $"cut connection after {AfterBytes} request bytes",
            FaultKind.CutResponse => $"cut connection after {AfterBytes} response bytes",
            FaultKind.Throttle => $"throttle to {BytesPerSecond} bytes/s",
            _ => $"delay {Duration.TotalMilliseconds} ms",
        };
    }
}
