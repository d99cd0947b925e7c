using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A minimal HTTP forward proxy (what HTTP_PROXY points at): it takes absolute-URI requests
    /// ("GET http://registry.invalid:5000/v2/ HTTP/1.1") and sends every one to one fixed upstream
    /// "127.0.0.1:PORT", whatever host was asked for, keeping the Host header. A client that reaches a
    /// registry named e.g. registry.invalid:5000 (a name nothing else can resolve) therefore proves it
    /// went through the proxy. No CONNECT (https) support.
    /// </summary>
    public sealed class ForwardProxy : IDisposable
    {
        private readonly HttpForwarder _forwarder;
        private readonly LoopbackHost _host;
        private readonly List<ProxiedRequest> _requests = new();

        private ForwardProxy(string upstreamHost)
        {
            _forwarder = new HttpForwarder(upstreamHost);
            try { _host = LoopbackHost.Start(HandleAsync); }
            catch { _forwarder.Dispose(); throw; }
        }

        public static ForwardProxy Start(string upstreamHost) => new(upstreamHost);

        public int Port => _host.Port;

        /// <summary>"127.0.0.1:PORT".</summary>
        public string Host => _host.Host;

        /// <summary>"http://127.0.0.1:PORT" — the value for HTTP_PROXY / http_proxy / curl -x.</summary>
        public string ProxyUrl => "http://" + _host.Host;

        public string UpstreamHost => _forwarder.UpstreamHost;

        public IReadOnlyList<ProxiedRequest> Requests { get { lock (_requests) return _requests.ToList(); } }

        /// <summary>The request targets as clients sent them: absolute URIs when they used the proxy as a proxy.</summary>
        public IReadOnlyList<string> RequestedUris => Requests.Select(r => r.Target).ToList();

        public void Reset() { lock (_requests) _requests.Clear(); }

        private async Task HandleAsync(HttpContext ctx)
        {
            var record = _forwarder.Describe(ctx);
            lock (_requests) _requests.Add(record);
            try
            {
                if (HttpMethods.IsConnect(ctx.Request.Method))
                {
                    await HttpForwarder.WriteErrorAsync(ctx, record, 501, "UNSUPPORTED", "this test proxy does not tunnel (CONNECT)");
                    return;
                }
                await _forwarder.ForwardAsync(ctx, record);
            }
            catch (OperationCanceledException) { record.Error ??= "client went away"; }
            catch (System.IO.IOException e) { record.Error ??= e.Message; }
            finally { record.MarkCompleted(); }
        }

        public void Dispose()
        {
            _host.Dispose();
            _forwarder.Dispose();
        }
    }
}
