using System.Collections.Generic;
using System.Linq;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// What we tell users about supplying credentials: routes that never reach a log first
    /// (docker/podman login into config.json or a credential helper, then a password file), and the
    /// SDK's *_PWORD variables only with the warning that MSBuild logs them. One place, so the 401
    /// messages and the OCI2020 warning cannot drift apart.
    /// </summary>
    public static class CredentialAdvice
    {
        private static string Prefix(RegistryAccess access) =>
            access == RegistryAccess.Push ? "DOTNET_CONTAINER_PUSH_REGISTRY" : "DOTNET_CONTAINER_PULL_REGISTRY";

        /// <summary>The advice ending a 401 (OCI2003) message.</summary>
        public static string ForUnauthorized(string registry, RegistryAccess access)
        {
            var prefix = Prefix(access);
            return $"Log in (docker login / podman login {registry}, which store the credential in config.json or a credential helper), " +
                   $"or set {prefix}_UNAME and {prefix}_PWORD_FILE (the path of a file holding the password). " +
                   $"Avoid {prefix}_PWORD: MSBuild records its value in binlogs (-bl) and -v:diag output.";
        }

        /// <summary>The OCI2020 warning for password variables MSBuild is recording in this build's logs.</summary>
        public static string ForRecordedPasswordVariables(IReadOnlyList<string> variables)
        {
            var names = variables.Count == 1 ? variables[0] : string.Join(", ", variables.Take(variables.Count - 1)) + " and " + variables[variables.Count - 1];
            bool all = variables.Any(v => !v.StartsWith("DOTNET_", System.StringComparison.OrdinalIgnoreCase));
            var why = all
                ? $"MSBuild records every environment variable's value because {MsBuildLoggedVariables.LogAllVariable} is set"
                : "MSBuild records the value of every DOTNET_* environment variable";
            var fileVariables = string.Join(" / ", variables.Select(v => v + "_FILE"));
            return $"{names} {(variables.Count == 1 ? "holds a registry password" : "hold registry passwords")}, and {why} in binary logs (-bl) and diagnostic output (-v:diag), " +
                   "which this build writes: the password is in them, so do not share those logs (or change the password). " +
                   "Routes that never reach a log: docker login / podman login (config.json auths, or a credential helper via credHelpers / credsStore), " +
                   $"or a password file: put the password in a file and set {fileVariables} to its path instead.";
        }
    }
}
