using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

using OciMsBuild.EndToEnd.Tests;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>The real third-party tools, through the repository's fixture scripts.</summary>
    public static class ImageTools
    {
        /// <summary>umoci unpack (strict), skopeo copy of the layout, and of the tarball as OCI and as docker archive.</summary>
        public static ProcessResult Validate(string layout, string tag, string? tarball = null)
        {
            var args = new List<string> { layout, tag };
            if (tarball != null) args.Add(tarball);
            return Script("validate-image.sh", args, null, TimeSpan.FromMinutes(5));
        }

        public static ProcessResult Run(string source, IDictionary<string, string?>? env = null, params string[] command)
        {
            var args = new List<string> { source };
            if (command.Length > 0) { args.Add("--"); args.AddRange(command); }
            return Script("run-image.sh", args, env, TimeSpan.FromMinutes(5));
        }

        public static ProcessResult Load(string tarball) =>
            Script("run-image.sh", new[] { tarball }, new Dictionary<string, string?> { ["MODE"] = "load" }, TimeSpan.FromMinutes(5));

        /// <param name="env">e.g. ARCH=arm64 to run that platform of an index (under qemu; ASP.NET starts in ~10 s there).</param>
        public static ProcessResult RunWeb(string source, int port, string path, string expected, IDictionary<string, string?>? env = null) =>
            Script("run-web-image.sh", new[] { source, port.ToString(), path, expected }, env, TimeSpan.FromMinutes(3));

        public static ProcessResult Skopeo(params string[] args) => ProcessRunner.Run("skopeo", args, timeout: TimeSpan.FromMinutes(3));

        public static int FreePort()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        private static ProcessResult Script(string name, IEnumerable<string> args, IDictionary<string, string?>? env, TimeSpan timeout) =>
            ProcessRunner.Run(Path.Combine(TestEnvironment.Scripts, name), args, TestEnvironment.RepoRoot, env, timeout);
    }
}
