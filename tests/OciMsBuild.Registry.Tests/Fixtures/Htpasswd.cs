using System;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// One htpasswd line for the registry's basic-auth mode. distribution accepts bcrypt entries only,
    /// and .NET has no bcrypt, so apache2-utils' htpasswd -B makes it (fake test credentials only).
    /// </summary>
    public static class Htpasswd
    {
        public static string BcryptLine(string user, string password)
        {
            var htpasswd = Tools.Require("htpasswd", "apache2-utils");
            var result = ToolRunner.Run(htpasswd, new[] { "-Bbn", user, password }, timeout: TimeSpan.FromSeconds(30));
            if (result.ExitCode != 0)
                throw new InvalidOperationException($"htpasswd -Bbn failed with exit code {result.ExitCode}: {result.StdErr}");
            return result.StdOut.Trim() + "\n";
        }
    }
}
