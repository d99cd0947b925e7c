using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A Kestrel server on 127.0.0.1 with an OS-chosen port running one request delegate. Built on the
    /// empty WebApplication builder: no config files, no environment variables, no console logging, so
    /// nothing outside the test changes how it behaves and nothing it logs can leak a header.
    /// </summary>
    public sealed class LoopbackHost : IDisposable
    {
        private readonly WebApplication _app;

        private LoopbackHost(WebApplication app, int port)
        {
            _app = app;
            Port = port;
        }

        public int Port { get; }

        /// <summary>"127.0.0.1:PORT".</summary>
        public string Host => "127.0.0.1:" + Port;

        public static LoopbackHost Start(RequestDelegate handler)
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
            {
                o.Listen(IPAddress.Loopback, 0);
                o.AddServerHeader = false;
                // Layers can be tens of MB and a test machine can be slow: no body size or rate limits.
                o.Limits.MaxRequestBodySize = null;
                o.Limits.MinRequestBodyDataRate = null;
                o.Limits.MinResponseDataRate = null;
            });
            var app = builder.Build();
            app.Run(handler);
            app.StartAsync().GetAwaiter().GetResult();
            var address = app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer server
                ? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                : null;
            if (address == null)
            {
                app.DisposeAsync().AsTask().GetAwaiter().GetResult();
                throw new InvalidOperationException("Kestrel started but reported no listening address");
            }
            return new LoopbackHost(app, new Uri(address).Port);
        }

        public void Dispose()
        {
            // A short grace period: tests that cut connections leave requests that never finish cleanly.
            try { _app.StopAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { }
            _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
