using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>metadataTest: env, labels, entrypoint, cmd, workdir, user, ports and volumes of the image config.</summary>
    internal static class MetadataChecks
    {
        public static void Run(MetadataTest t, ImageMetadata image, TestResult r)
        {
            foreach (var v in (t.Env ?? new List<EnvVar>()).Concat(t.EnvVars ?? new List<EnvVar>()))
            {
                if (!image.Env.TryGetValue(v.Key!, out var actual)) { r.Fail($"variable {v.Key} not found in image env"); continue; }
                if (!Matches(v.Value ?? "", actual, v.IsRegex)) r.Fail($"env var {v.Key} value '{actual}' does not match expected value: '{v.Value}'");
            }
            foreach (var v in t.UnboundEnvVars ?? new List<EnvVar>())
                if (image.Env.ContainsKey(v.Key!)) r.Fail($"env var {v.Key} should not be set but is '{image.Env[v.Key!]}'");
            foreach (var l in t.Labels ?? new List<Label>())
            {
                if (!image.Labels.TryGetValue(l.Key!, out var actual)) { r.Fail($"label {l.Key} not found in image metadata"); continue; }
                if (!Matches(l.Value ?? "", actual, l.IsRegex)) r.Fail($"label {l.Key} value '{actual}' does not match expected value: '{l.Value}'");
            }
            if (t.Entrypoint != null && !t.Entrypoint.SequenceEqual(image.Entrypoint ?? new List<string>()))
                r.Fail($"Image entrypoint {Show(image.Entrypoint)} does not match expected entrypoint: {Show(t.Entrypoint)}");
            if (t.Cmd != null && !t.Cmd.SequenceEqual(image.Cmd ?? new List<string>()))
                r.Fail($"Image Cmd {Show(image.Cmd)} does not match expected Cmd: {Show(t.Cmd)}");
            if (t.Workdir != null && t.Workdir != image.WorkingDir)
                r.Fail($"Image workdir '{image.WorkingDir}' does not match expected workdir: '{t.Workdir}'");
            if (t.User != null && t.User != image.User)
                r.Fail($"Image user '{image.User}' does not match expected user: '{t.User}'");
            foreach (var port in t.ExposedPorts ?? new List<string>())
                if (!PortExposed(port, image.ExposedPorts)) r.Fail($"Port {port} not found in config (exposed: {Show(image.ExposedPorts)})");
            foreach (var port in t.UnexposedPorts ?? new List<string>())
                if (PortExposed(port, image.ExposedPorts)) r.Fail($"Port {port} should not be exposed but is");
            foreach (var volume in t.Volumes ?? new List<string>())
                if (!image.Volumes.Contains(volume)) r.Fail($"Volume {volume} not found in config");
            foreach (var volume in t.UnmountedVolumes ?? new List<string>())
                if (image.Volumes.Contains(volume)) r.Fail($"Volume {volume} should not be in the config but is");
        }

        private static bool Matches(string expected, string actual, bool isRegex) =>
            isRegex ? Regex.IsMatch(actual, expected) : expected == actual;

        /// <summary>"8080" matches "8080/tcp" (and any protocol); "8080/udp" only itself.</summary>
        private static bool PortExposed(string port, List<string> exposed) =>
            port.Contains("/") ? exposed.Contains(port) : exposed.Any(e => e == port || e.StartsWith(port + "/", System.StringComparison.Ordinal));

        private static string Show(List<string>? values) => "[" + string.Join(", ", (values ?? new List<string>()).Select(v => "\"" + v + "\"")) + "]";
    }
}
