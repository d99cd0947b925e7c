using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// An HTTP/1.1 reverse proxy on 127.0.0.1 in front of a real registry, injecting scripted faults:
    /// <code>
    /// using var proxy = FaultProxy.Start(registry.Host);
    /// proxy.Inject(r => r.Method == "PATCH" &amp;&amp; r.IsBlobUpload, Fault.Status(500), times: 1);
    /// proxy.Inject(r => r.IsBlob &amp;&amp; r.Method == "GET", Fault.Throttle(1_000_000), times: int.MaxValue); // a slow link
    /// // point the client at proxy.Host instead of registry.Host
    /// </code>
    /// The Host header is forwarded unchanged, so the registry's absolute Location URLs point at the
    /// proxy and follow-up requests (upload PATCH/PUT) come through it too. Every request is recorded.
    /// </summary>
    public sealed class FaultProxy : IDisposable
    {
        private readonly HttpForwarder _forwarder;
        private readonly LoopbackHost _host;
        private readonly List<FaultRule> _rules = new();
        private readonly List<ProxiedRequest> _requests = new();

        private FaultProxy(string upstreamHost)
        {
            _forwarder = new HttpForwarder(upstreamHost);
            try { _host = LoopbackHost.Start(HandleAsync); }
            catch { _forwarder.Dispose(); throw; }
        }

        /// <summary>Starts a proxy in front of a plain-HTTP upstream "127.0.0.1:PORT".</summary>
        public static FaultProxy Start(string upstreamHost) => new(upstreamHost);

        public int Port => _host.Port;

        /// <summary>"127.0.0.1:PORT" of the proxy: use it as the registry host in image references.</summary>
        public string Host => _host.Host;

        public string UpstreamHost => _forwarder.UpstreamHost;

        /// <summary>Snapshot of every request so far, in arrival order.</summary>
        public IReadOnlyList<ProxiedRequest> Requests { get { lock (_requests) return _requests.ToList(); } }

        public IReadOnlyList<ProxiedRequest> Faulted => Requests.Where(r => r.FaultInjected).ToList();

        /// <summary>Requests with this method (case-insensitive; null = any) whose raw path+query contains the text.</summary>
        public int Count(string? method, string pathContains = "") =>
            Requests.Count(r => (method == null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
                                && r.PathAndQuery.Contains(pathContains, StringComparison.Ordinal));

        public int Count(Func<ProxiedRequest, bool> predicate) => Requests.Count(predicate);

        /// <summary>The next <paramref name="times"/> requests matching <paramref name="match"/> get <paramref name="fault"/> (int.MaxValue: all).</summary>
        public FaultRule Inject(Func<ProxiedRequest, bool> match, Fault fault, int times = 1)
        {
            var rule = new FaultRule(match, fault, times);
            lock (_rules) _rules.Add(rule);
            return rule;
        }

        /// <summary>Shorthand: method (null = any) and a path substring.</summary>
        public FaultRule Inject(string? method, string pathContains, Fault fault, int times = 1) =>
            Inject(r => (method == null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
                        && r.PathAndQuery.Contains(pathContains, StringComparison.Ordinal), fault, times);

        public void ClearFaults() { lock (_rules) _rules.Clear(); }

        public void ClearRequests() { lock (_requests) _requests.Clear(); }

        /// <summary>Forget both the recorded requests and the fault rules.</summary>
        public void Reset()
        {
            ClearFaults();
            ClearRequests();
        }

        private async Task HandleAsync(HttpContext ctx)
        {
            var record = _forwarder.Describe(ctx);
            lock (_requests) _requests.Add(record);
            Fault? fault = null;
            lock (_rules)
                foreach (var rule in _rules)
                    if (rule.TryTake(record)) { fault = rule.Fault; break; }
            try
            {
                if (fault == null)
                {
                    await _forwarder.ForwardAsync(ctx, record);
                    return;
                }
                record.Fault = fault.ToString();
                switch (fault.Kind)
                {
                    case Fault.FaultKind.Status:
                        await DrainUnlessExpectContinueAsync(ctx, record);
                        await HttpForwarder.WriteErrorAsync(ctx, record, fault.StatusCode, ErrorCode(fault.StatusCode), $"injected fault: HTTP {fault.StatusCode}");
                        break;
                    case Fault.FaultKind.TooManyRequests:
                        await DrainUnlessExpectContinueAsync(ctx, record);
                        await HttpForwarder.WriteErrorAsync(ctx, record, 429, "TOOMANYREQUESTS", "injected fault: too many requests",
                            new Dictionary<string, string> { ["Retry-After"] = fault.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                        break;
                    case Fault.FaultKind.CutConnection:
                        await ReadBodyAsync(ctx, record, fault.AfterBytes);
                        ctx.Abort(); // no response at all: the client sees the connection drop
                        break;
                    case Fault.FaultKind.CutResponse:
                        await _forwarder.ForwardAsync(ctx, record, fault.AfterBytes);
                        break;
                    case Fault.FaultKind.Delay:
                        await Task.Delay(fault.Duration, ctx.RequestAborted);
                        await _forwarder.ForwardAsync(ctx, record);
                        break;
                    case Fault.FaultKind.Throttle:
                        await _forwarder.ForwardAsync(ctx, record, bytesPerSecond: fault.BytesPerSecond);
                        break;
                }
            }
            catch (OperationCanceledException) { record.Error ??= "client went away"; }
            catch (System.IO.IOException e) { record.Error ??= e.Message; }
            finally { record.MarkCompleted(); }
        }

        /// <summary>
        /// Read the body before answering an error, as the registry does, so the client gets the answer
        /// instead of a reset while it is still writing; but not when it asked for 100-continue.
        /// </summary>
        private static Task DrainUnlessExpectContinueAsync(HttpContext ctx, ProxiedRequest record) =>
            string.Equals(ctx.Request.Headers.Expect, "100-continue", StringComparison.OrdinalIgnoreCase)
                ? Task.CompletedTask
                : ReadBodyAsync(ctx, record, long.MaxValue);

        private static async Task ReadBodyAsync(HttpContext ctx, ProxiedRequest record, long max)
        {
            var buffer = new byte[81920];
            long read = 0;
            while (read < max)
            {
                var n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, max - read)), ctx.RequestAborted);
                if (n == 0) break;
                read += n;
                record.AddRequestBytes(n);
            }
        }

        private static string ErrorCode(int status) => status switch
        {
            401 => "UNAUTHORIZED",
            403 => "DENIED",
            404 => "NAME_UNKNOWN",
            429 => "TOOMANYREQUESTS",
            503 => "UNAVAILABLE",
            _ => "UNKNOWN",
        };

        public void Dispose()
        {
            _host.Dispose();
            _forwarder.Dispose();
        }
    }
}
