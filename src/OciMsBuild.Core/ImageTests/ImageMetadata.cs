using System.Collections.Generic;
using System.Linq;
using Newtonsoft.Json.Linq;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>The parts of an image config structure tests look at (the "config" object of the config blob).</summary>
    public sealed class ImageMetadata
    {
        public Dictionary<string, string> Env { get; } = new Dictionary<string, string>(System.StringComparer.Ordinal);
        public List<string> EnvOrder { get; } = new List<string>();
        public List<string>? Entrypoint { get; private set; }
        public List<string>? Cmd { get; private set; }
        public string WorkingDir { get; private set; } = "";
        public string User { get; private set; } = "";
        public List<string> ExposedPorts { get; private set; } = new List<string>();
        public List<string> Volumes { get; private set; } = new List<string>();
        public Dictionary<string, string> Labels { get; } = new Dictionary<string, string>(System.StringComparer.Ordinal);

        public static ImageMetadata FromConfigJson(byte[] configBlob)
        {
            var root = JObject.Parse(System.Text.Encoding.UTF8.GetString(configBlob));
            var config = root["config"] as JObject ?? new JObject();
            var m = new ImageMetadata();
            foreach (var pair in (config["Env"] as JArray)?.Select(v => (string?)v).Where(v => v != null) ?? Enumerable.Empty<string?>())
            {
                int eq = pair!.IndexOf('=');
                var key = eq < 0 ? pair : pair.Substring(0, eq);
                if (!m.Env.ContainsKey(key)) m.EnvOrder.Add(key);
                m.Env[key] = eq < 0 ? "" : pair.Substring(eq + 1);
            }
            m.Entrypoint = Strings(config["Entrypoint"]);
            m.Cmd = Strings(config["Cmd"]);
            m.WorkingDir = (string?)config["WorkingDir"] ?? "";
            m.User = (string?)config["User"] ?? "";
            m.ExposedPorts = (config["ExposedPorts"] as JObject)?.Properties().Select(p => p.Name).ToList() ?? new List<string>();
            m.Volumes = (config["Volumes"] as JObject)?.Properties().Select(p => p.Name).ToList() ?? new List<string>();
            foreach (var p in (config["Labels"] as JObject)?.Properties() ?? Enumerable.Empty<JProperty>())
                m.Labels[p.Name] = (string?)p.Value ?? "";
            return m;
        }

        private static List<string>? Strings(JToken? token) =>
            token is JArray array ? array.Select(v => (string?)v ?? "").ToList() : null;

        /// <summary>
        /// $VAR and ${VAR} replaced by the image's environment, as container-structure-test does for
        /// paths and commands; a variable the image does not set is left as written, so a shell in
        /// the container still sees it (a test's own envVars).
        /// </summary>
        /// <param name="overrides">Variables set for the test on top of the image's (they win).</param>
        public string Substitute(string text, IDictionary<string, string>? overrides = null) =>
            System.Text.RegularExpressions.Regex.Replace(text, @"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", match =>
            {
                var name = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
                if (overrides != null && overrides.TryGetValue(name, out var set)) return set;
                return Env.TryGetValue(name, out var v) ? v : match.Value;
            });
    }
}
