using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// Forwards one Kestrel request to a plain-HTTP upstream "127.0.0.1:PORT" and streams the answer back,
    /// the way a transparent reverse proxy would: the Host header stays what the client sent (so the
    /// registry's absolute Location URLs point back at the proxy, or at the name the client used), bodies
    /// stream in both directions (chunked or Content-Length), redirects and encodings pass through untouched.
    /// </summary>
    public sealed class HttpForwarder : IDisposable
    {
        // Hop-by-hop headers (RFC 9110 7.6.1) plus Expect (Kestrel already handled 100-continue) and Host (set apart).
        private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
        {
            "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer",
            "Transfer-Encoding", "Upgrade", "Expect", "Host",
        };

        private static readonly HashSet<string> NotRecorded = new(StringComparer.OrdinalIgnoreCase)
        {
            "Authorization", "Proxy-Authorization", "Cookie",
        };

        private readonly HttpClient _client;
        private long _sequence;

        public HttpForwarder(string upstreamHost)
        {
            UpstreamHost = upstreamHost;
            _client = new HttpClient(new SocketsHttpHandler
            {
                UseProxy = false, // HTTP_PROXY in the test's environment must not reroute the proxy itself
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(10),
            })
            { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        /// <summary>"127.0.0.1:PORT" of the upstream (plain HTTP).</summary>
        public string UpstreamHost { get; }

        /// <summary>Snapshot of the client's request, without secrets; the body is not touched.</summary>
        public ProxiedRequest Describe(HttpContext ctx)
        {
            var target = RawTarget(ctx);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in ctx.Request.Headers)
                if (!NotRecorded.Contains(h.Key)) headers[h.Key] = h.Value.ToString();
            string? auth = ctx.Request.Headers.Authorization;
            var scheme = string.IsNullOrEmpty(auth) ? null : auth.Split(' ', 2)[0];
            return new ProxiedRequest(Interlocked.Increment(ref _sequence), ctx.Request.Method, target, PathAndQuery(target), scheme, headers);
        }

        /// <summary>
        /// Forward and stream back; with <paramref name="cutResponseAfter"/> drop the connection after that
        /// many body bytes; with <paramref name="bytesPerSecond"/> move each body at that rate.
        /// </summary>
        public async Task ForwardAsync(HttpContext ctx, ProxiedRequest record, long? cutResponseAfter = null, long? bytesPerSecond = null)
        {
            var aborted = ctx.RequestAborted;
            using var message = new HttpRequestMessage(new HttpMethod(ctx.Request.Method), new Uri("http://" + UpstreamHost + record.PathAndQuery))
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            message.Headers.Host = ctx.Request.Headers.Host.ToString();
            var hasBody = ctx.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? false;
            if (hasBody)
            {
                System.IO.Stream body = new CountingStream(ctx.Request.Body, record.AddRequestBytes);
                if (bytesPerSecond is long upRate) body = new ByteRate(upRate).Reading(body);
                message.Content = new StreamContent(body, 81920);
            }
            else if (ctx.Request.ContentLength == 0)
                message.Content = new ByteArrayContent(Array.Empty<byte>()); // keep an explicit "Content-Length: 0" (e.g. PATCH)
            foreach (var h in ctx.Request.Headers)
            {
                if (NotForwarded.Contains(h.Key)) continue;
                if (!message.Headers.TryAddWithoutValidation(h.Key, h.Value.ToArray()))
                    message.Content?.Headers.TryAddWithoutValidation(h.Key, h.Value.ToArray());
            }
            if (message.Content != null && ctx.Request.ContentLength is long length)
                message.Content.Headers.ContentLength = length; // keep Content-Length; without it HttpClient sends chunked, as the client did

            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, aborted);
            }
            catch (Exception e) when (e is HttpRequestException || e is OperationCanceledException || e is System.IO.IOException)
            {
                record.Error = e.GetType().Name + ": " + e.Message;
                if (aborted.IsCancellationRequested || ctx.Response.HasStarted) { ctx.Abort(); return; }
                await WriteErrorAsync(ctx, record, 502, "UNKNOWN", "proxy could not reach the upstream " + UpstreamHost + ": " + e.Message);
                return;
            }

            using (response)
            {
                ctx.Response.StatusCode = (int)response.StatusCode;
                foreach (var h in response.Headers.Concat(response.Content.Headers))
                    if (!NotForwarded.Contains(h.Key)) ctx.Response.Headers[h.Key] = h.Value.ToArray();
                record.ResponseLocation = response.Headers.Location?.OriginalString;
                record.Status = (int)response.StatusCode;
                try
                {
                    await using var body = await response.Content.ReadAsStreamAsync(aborted);
                    var down = bytesPerSecond is long downRate ? new ByteRate(downRate) : null;
                    var buffer = new byte[down == null ? 81920 : ByteRate.Piece];
                    var limit = cutResponseAfter ?? long.MaxValue;
                    long sent = 0;
                    if (cutResponseAfter != null || down != null) await ctx.Response.StartAsync(aborted);
                    while (sent < limit)
                    {
                        var n = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - sent)), aborted);
                        if (n == 0) break;
                        await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n), aborted);
                        sent += n;
                        record.AddResponseBytes(n);
                        if (down != null)
                        {
                            await ctx.Response.Body.FlushAsync(aborted); // on the wire now, not when Kestrel's buffer fills
                            await down.PaceAsync(n, aborted);
                        }
                    }
                    if (cutResponseAfter != null)
                    {
                        await ctx.Response.Body.FlushAsync(aborted);
                        ctx.Abort();
                    }
                }
                catch (Exception e) when (e is System.IO.IOException || e is OperationCanceledException || e is HttpRequestException)
                {
                    record.Error = e.GetType().Name + ": " + e.Message;
                    ctx.Abort();
                }
            }
        }

        /// <summary>An OCI distribution-style error answer: {"errors":[{"code","message","detail"}]}.</summary>
        public static async Task WriteErrorAsync(HttpContext ctx, ProxiedRequest record, int status, string code, string message,
            IDictionary<string, string>? headers = null)
        {
            var body = Encoding.UTF8.GetBytes(
                "{\"errors\":[{\"code\":" + System.Text.Json.JsonSerializer.Serialize(code) +
                ",\"message\":" + System.Text.Json.JsonSerializer.Serialize(message) + ",\"detail\":null}]}");
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json; charset=utf-8";
            ctx.Response.ContentLength = body.Length;
            if (headers != null)
                foreach (var h in headers) ctx.Response.Headers[h.Key] = h.Value;
            record.Status = status;
            await ctx.Response.Body.WriteAsync(body);
            record.AddResponseBytes(body.Length);
        }

        private static string RawTarget(HttpContext ctx)
        {
            var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
            return string.IsNullOrEmpty(raw) ? ctx.Request.Path.ToString() + ctx.Request.QueryString : raw;
        }

        /// <summary>"/v2/x?y" from either "/v2/x?y" or "http://host:port/v2/x?y", without decoding anything.</summary>
        private static string PathAndQuery(string target)
        {
            if (target.StartsWith("/", StringComparison.Ordinal)) return target;
            var scheme = target.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0) return "/" + target;
            var slash = target.IndexOf('/', scheme + 3);
            if (slash < 0)
            {
                var q = target.IndexOf('?', scheme + 3);
                return q < 0 ? "/" : "/" + target.Substring(q);
            }
            return target.Substring(slash);
        }

        public void Dispose() => _client.Dispose();
    }
}
