using System.Net;
using System.Net.Sockets;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago, for processes that must be told their port
    /// (docker-registry cannot report an OS-chosen one). In-process servers bind port 0 instead.
    /// There is a small race with other processes; RegistryServer retries when the port was taken.
    /// </summary>
    public static class FreePort
    {
        public static int Get()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
            finally { listener.Stop(); }
        }
    }
}
