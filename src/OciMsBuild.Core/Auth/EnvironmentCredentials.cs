using System;
using System.Collections.Generic;
using System.Linq;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// The .NET SDK's credential variables, first prefix with a usable pair wins:
    /// DOTNET_CONTAINER_PUSH_REGISTRY (push) or DOTNET_CONTAINER_PULL_REGISTRY (pull), then
    /// DOTNET_CONTAINER_REGISTRY, then the legacy SDK_CONTAINER_REGISTRY. Each prefix takes
    /// <c>_UNAME</c> with either <c>_PWORD</c> (the SDK's form: the password itself) or our
    /// <c>_PWORD_FILE</c> (the path of a file holding it). The file form exists because MSBuild
    /// records every DOTNET_* variable's value in binlogs and diagnostic output: a path there is
    /// harmless, a password is not (see <see cref="MsBuildLoggedVariables"/>).
    /// </summary>
    internal static class EnvironmentCredentials
    {
        public const string UserSuffix = "_UNAME";
        public const string PasswordSuffix = "_PWORD";
        public const string PasswordFileSuffix = "_PWORD_FILE";

        private static readonly string[] SharedPrefixes = { "DOTNET_CONTAINER_REGISTRY", "SDK_CONTAINER_REGISTRY" };

        /// <summary>The prefixes consulted for <paramref name="access"/>, in order.</summary>
        public static IReadOnlyList<string> Prefixes(RegistryAccess access)
        {
            var prefixes = new List<string> { access == RegistryAccess.Push ? "DOTNET_CONTAINER_PUSH_REGISTRY" : "DOTNET_CONTAINER_PULL_REGISTRY" };
            prefixes.AddRange(SharedPrefixes);
            return prefixes;
        }

        /// <param name="var">Environment lookup returning null for unset or empty variables.</param>
        /// <param name="tried">Receives what was found, never a secret.</param>
        /// <exception cref="OciException">OCI2022 when one prefix has both _PWORD and _PWORD_FILE;
        /// OCI2021 when the password file named cannot be used.</exception>
        public static RegistryCredential? Find(Func<string, string?> var, RegistryAccess access, List<string> tried)
        {
            var missed = new List<string>();
            var halves = new List<string>();
            foreach (var prefix in Prefixes(access))
            {
                var user = var(prefix + UserSuffix);
                var password = var(prefix + PasswordSuffix);
                var passwordFile = var(prefix + PasswordFileSuffix);
                if (password != null && passwordFile != null)
                    throw new OciException(ErrorCodes.ConflictingPasswordVariables,
                        $"Both {prefix}{PasswordSuffix} and {prefix}{PasswordFileSuffix} are set; set only one. " +
                        $"Prefer {prefix}{PasswordFileSuffix} (the path of a file holding the password): MSBuild records the value of DOTNET_* variables in binlogs and -v:diag output.");

                if (user != null && (password != null || passwordFile != null))
                {
                    if (missed.Count > 0) tried.Add(Describe(missed) + " (not set)");
                    string source;
                    if (passwordFile != null)
                    {
                        var file = PasswordFile.Read(prefix + PasswordFileSuffix, passwordFile);
                        password = file.Password;
                        source = $"environment variables {prefix}{UserSuffix}/PWORD_FILE (password file {file.Path})";
                    }
                    else
                    {
                        source = $"environment variables {prefix}{UserSuffix}/PWORD";
                    }
                    tried.Add(source);
                    return new RegistryCredential(user, password, null, source);
                }

                missed.Add(prefix);
                if (user != null) halves.Add($"{prefix}{UserSuffix} is set without {prefix}{PasswordSuffix} or {prefix}{PasswordFileSuffix}");
                else if (password != null) halves.Add($"{prefix}{PasswordSuffix} is set without {prefix}{UserSuffix}");
                else if (passwordFile != null) halves.Add($"{prefix}{PasswordFileSuffix} is set without {prefix}{UserSuffix}");
            }
            tried.Add(Describe(missed) + (halves.Count == 0 ? " (not set)" : " (not set as pairs: " + string.Join("; ", halves) + ")"));
            return null;
        }

        private static string Describe(List<string> prefixes)
        {
            var names = prefixes.Select(p => p + "_UNAME/PWORD").ToList();
            var text = names.Count == 1 ? names[0] : string.Join(", ", names.Take(names.Count - 1)) + " and " + names[names.Count - 1];
            return "environment variables " + text;
        }
    }
}
