using System;
using System.IO;
using System.Linq;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// Finds the external tools the fixtures run. A missing tool is an exception (so the test FAILS,
    /// on CI and locally alike): a registry test that silently skips would hide a broken machine setup.
    /// </summary>
    public static class Tools
    {
        /// <summary>Full path of <paramref name="tool"/> on PATH, or throws naming the package that provides it.</summary>
        public static string Require(string tool, string? debianPackage = null)
        {
            var path = Find(tool);
            if (path != null) return path;
            var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase) ? " (CI=true)" : "";
            throw new InvalidOperationException(
                $"'{tool}' is not installed{ci}; run tests/scripts/install-test-tools.sh (Debian package '{debianPackage ?? tool}'). " +
                "Registry tests never skip a missing tool.");
        }

        public static string? Find(string tool) =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, tool))
                .FirstOrDefault(File.Exists);
    }
}
