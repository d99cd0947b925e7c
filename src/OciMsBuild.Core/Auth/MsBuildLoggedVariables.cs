using System;
using System.Collections.Generic;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// Which environment variables MSBuild itself writes, with their values, into binary logs (-bl) and
    /// diagnostic output (-v:diag, -flp:v=diag). Since MSBuild 17.3 an environment-derived property is
    /// recorded when (a) a project reads it as a property, (b) its name starts with DOTNET_, MSBUILD or
    /// COMPLUS_ (always, read or not), or (c) for every variable when MSBUILDLOGALLENVIRONMENTVARIABLES is
    /// set. Checked against a real binlog with SDK 10.0.4xx: DOTNET_CONTAINER_PUSH_REGISTRY_PWORD appears
    /// (in the binlog and twice in -v:diag), SDK_CONTAINER_REGISTRY_PWORD and other names do not.
    /// Our targets never read a credential variable as a property, so (a) never applies to them.
    /// </summary>
    public static class MsBuildLoggedVariables
    {
        public const string LogAllVariable = "MSBUILDLOGALLENVIRONMENTVARIABLES";

        private static readonly string[] AlwaysRecordedPrefixes = { "DOTNET_", "MSBUILD", "COMPLUS_" };

        /// <summary>True when MSBuild records <paramref name="name"/>'s value whenever it logs properties.</summary>
        public static bool IsRecorded(string name, Func<string, string?> env)
        {
            foreach (var prefix in AlwaysRecordedPrefixes)
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return true;
            return !string.IsNullOrEmpty(env(LogAllVariable));
        }

        /// <summary>
        /// The password variables (<c>*_PWORD</c> of the prefixes <paramref name="access"/> consults) that
        /// are set and that MSBuild records: DOTNET_CONTAINER_*_PWORD always, SDK_CONTAINER_REGISTRY_PWORD
        /// only with MSBUILDLOGALLENVIRONMENTVARIABLES. Set is enough: MSBuild records them whether or not
        /// a credential is ever asked for.
        /// </summary>
        public static IReadOnlyList<string> RecordedPasswordVariables(RegistryAccess access, Func<string, string?>? env = null)
        {
            env ??= Environment.GetEnvironmentVariable;
            var found = new List<string>();
            foreach (var prefix in EnvironmentCredentials.Prefixes(access))
            {
                var name = prefix + EnvironmentCredentials.PasswordSuffix;
                if (!string.IsNullOrEmpty(env(name)) && IsRecorded(name, env)) found.Add(name);
            }
            return found;
        }
    }
}
