using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// Runs skopeo, the independent client the tests compare against. By default it is isolated from
    /// the machine's login state: REGISTRY_AUTH_FILE points at a file that does not exist, so only
    /// credentials passed on the command line (--creds, --dest-creds, --src-creds) count.
    /// </summary>
    public static class Skopeo
    {
        private static readonly string NoAuthFile = Path.Combine(Path.GetTempPath(), "ocimsbuild-skopeo-no-auth-" + Guid.NewGuid().ToString("N") + ".json");

        public static ToolResult Run(params string[] arguments) => Run(arguments, null);

        /// <param name="environment">Extra variables (null value = remove); REGISTRY_AUTH_FILE here overrides the isolation.</param>
        public static ToolResult Run(IEnumerable<string> arguments, IDictionary<string, string?>? environment, TimeSpan? timeout = null)
        {
            var skopeo = Tools.Require("skopeo");
            var env = new Dictionary<string, string?> { ["REGISTRY_AUTH_FILE"] = NoAuthFile };
            if (environment != null)
                foreach (var kv in environment) env[kv.Key] = kv.Value;
            return ToolRunner.Run(skopeo, arguments, env, timeout ?? TimeSpan.FromMinutes(2));
        }

        /// <summary>skopeo copy [options] SOURCE DESTINATION, e.g. Copy(image.OciReference, "docker://HOST/repo:tag", "--dest-tls-verify=false").</summary>
        public static ToolResult Copy(string source, string destination, params string[] options) =>
            Run(new[] { "copy" }.Concat(options).Concat(new[] { source, destination }), null);

        /// <summary>skopeo inspect --raw [options] REFERENCE: the manifest (or index) bytes on stdout.</summary>
        public static ToolResult InspectRaw(string reference, params string[] options) =>
            Run(new[] { "inspect", "--raw" }.Concat(options).Concat(new[] { reference }), null);
    }
}
