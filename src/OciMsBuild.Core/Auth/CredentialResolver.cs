using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// Finds the credential for a registry the way Docker, podman and the .NET SDK do, first hit wins:
    /// <list type="number">
    /// <item>the SDK's environment variables (DOTNET_CONTAINER_PUSH/PULL_REGISTRY_UNAME/PWORD, then
    /// DOTNET_CONTAINER_REGISTRY_*, then the legacy SDK_CONTAINER_REGISTRY_*), a pair only when both are non-empty,
    /// where our _PWORD_FILE may stand in for _PWORD (see <see cref="EnvironmentCredentials"/>);</item>
    /// <item>Docker's config.json ($DOCKER_CONFIG or ~/.docker): credHelpers, else auths, else credsStore;</item>
    /// <item>podman's auth.json ($REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers and
    /// ${XDG_CONFIG_HOME:-~/.config}/containers): credHelpers, else auths;</item>
    /// <item>else anonymous.</item>
    /// </list>
    /// Every variable (PATH and HOME included) is read through the injected environment, so tests are hermetic.
    /// Broken sources (malformed file, failing helper) throw OCI2011, an unusable password file OCI2021; messages and <see cref="CredentialLookup.Tried"/>
    /// never contain a secret.
    /// </summary>
    public sealed class CredentialResolver
    {
        private readonly Func<string, string?> _env;
        private readonly bool _envInjected;
        private readonly string? _homeDirectory;

        /// <param name="env">Environment lookup (default <see cref="Environment.GetEnvironmentVariable(string)"/>); also used for PATH, HOME, DOCKER_CONFIG, REGISTRY_AUTH_FILE, XDG_*.</param>
        /// <param name="homeDirectory">The user's home (default HOME, then USERPROFILE).</param>
        public CredentialResolver(Func<string, string?>? env = null, string? homeDirectory = null)
        {
            _envInjected = env != null;
            _env = env ?? Environment.GetEnvironmentVariable;
            _homeDirectory = string.IsNullOrEmpty(homeDirectory) ? null : homeDirectory;
        }

        /// <summary>How long a credential helper may take (60 s); tests shorten it.</summary>
        internal TimeSpan HelperTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <param name="registry">The normalized registry host as in an image reference: "docker.io", "127.0.0.1:5000", "myreg.example.com".</param>
        /// <param name="access">Selects the PUSH or PULL environment variables.</param>
        public CredentialLookup Find(string registry, RegistryAccess access)
        {
            if (string.IsNullOrWhiteSpace(registry)) throw new ArgumentException("A registry host is required.", nameof(registry));
            var host = RegistryKeys.NormalizeRegistry(registry);
            var tried = new List<string>();
            var consulted = new HashSet<string>(StringComparer.Ordinal);
            var credential = EnvironmentCredentials.Find(Var, access, tried)
                ?? FromDockerConfig(host, tried, consulted)
                ?? FromContainersAuth(host, tried, consulted);
            return new CredentialLookup(credential, tried.AsReadOnly());
        }

        private string? Var(string name)
        {
            var value = _env(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        private string? HomeDirectory()
        {
            var home = _homeDirectory ?? Var("HOME") ?? Var("USERPROFILE");
            if (home == null && !_envInjected)
            {
                var profile = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                if (!string.IsNullOrEmpty(profile)) home = profile;
            }
            return home;
        }

        private RegistryCredential? FromDockerConfig(string host, List<string> tried, HashSet<string> consulted)
        {
            string path;
            var dockerConfig = Var("DOCKER_CONFIG");
            if (dockerConfig != null)
            {
                path = Path.Combine(Path.GetFullPath(dockerConfig), "config.json");
            }
            else
            {
                var home = HomeDirectory();
                if (home == null)
                {
                    tried.Add("Docker config.json (neither DOCKER_CONFIG nor a home directory is set)");
                    return null;
                }
                path = Path.Combine(Path.GetFullPath(home), ".docker", "config.json");
            }
            return FromFile(path, host, tried, consulted, namespaceKeys: true, useCredsStore: true);
        }

        private RegistryCredential? FromContainersAuth(string host, List<string> tried, HashSet<string> consulted)
        {
            var paths = new List<string>();
            var authFile = Var("REGISTRY_AUTH_FILE");
            if (authFile != null)
            {
                paths.Add(Path.GetFullPath(authFile));
            }
            else
            {
                var runtimeDir = Var("XDG_RUNTIME_DIR");
                if (runtimeDir != null) paths.Add(Path.Combine(Path.GetFullPath(runtimeDir), "containers", "auth.json"));
                var configHome = Var("XDG_CONFIG_HOME");
                if (configHome == null)
                {
                    var home = HomeDirectory();
                    if (home != null) configHome = Path.Combine(Path.GetFullPath(home), ".config");
                }
                if (configHome != null) paths.Add(Path.Combine(Path.GetFullPath(configHome), "containers", "auth.json"));
                if (paths.Count == 0) tried.Add("containers auth.json (none of REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR, XDG_CONFIG_HOME or a home directory is set)");
            }
            foreach (var path in paths)
            {
                // Podman's namespace keys ("quay.io/org") grant less than the whole registry: only host keys count.
                var credential = FromFile(path, host, tried, consulted, namespaceKeys: false, useCredsStore: false);
                if (credential != null) return credential;
            }
            return null;
        }

        /// <summary>credHelpers, else auths, else (Docker only) credsStore of one file.</summary>
        private RegistryCredential? FromFile(string path, string host, List<string> tried, HashSet<string> consulted, bool namespaceKeys, bool useCredsStore)
        {
            if (!consulted.Add(path)) return null;
            var file = AuthFile.Load(path);
            if (file == null)
            {
                tried.Add(path + " (not found)");
                return null;
            }

            var helper = Best(file.CredHelpers, p => p.Key, host, namespaceKeys);
            if (helper.Key != null)
                return RunHelper(helper.Value, host, $"credential helper {CredentialHelper.Prefix}{helper.Value} (credHelpers in {path})", tried);

            var unusable = new List<string>();
            foreach (var entry in Matching(file.Auths, p => p.Key, host, namespaceKeys))
            {
                var source = $"{path} (auths \"{entry.Key}\")";
                var credential = file.ReadEntry(entry.Key, entry.Value, source);
                if (credential != null)
                {
                    tried.Add(source);
                    return credential;
                }
                unusable.Add(entry.Key);
            }

            if (useCredsStore && file.CredsStore != null)
                return RunHelper(file.CredsStore, host, $"credential helper {CredentialHelper.Prefix}{file.CredsStore} (credsStore in {path})", tried);

            tried.Add(unusable.Count == 0
                ? $"{path} (no entry for {host})"
                : $"{path} (auths {string.Join(", ", unusable.Select(k => "\"" + k + "\""))} without auth, username/password or identitytoken)");
            return null;
        }

        private RegistryCredential? RunHelper(string name, string host, string source, List<string> tried)
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            var path = Var("PATH");
            if (path != null) environment["PATH"] = path;
            var home = _homeDirectory ?? Var("HOME");
            if (home != null) environment["HOME"] = home;
            var answer = CredentialHelper.Get(name, host, source, path, environment, HelperTimeout);
            tried.Add(answer.Credential != null ? source : answer.Note ?? source);
            return answer.Credential;
        }

        /// <summary>Entries whose key stands for <paramref name="host"/>, best spelling first, then file order.</summary>
        private static IEnumerable<T> Matching<T>(IEnumerable<T> items, Func<T, string> key, string host, bool namespaceKeys) =>
            items.Select((item, index) => (item, index, rank: RegistryKeys.Rank(key(item), host, namespaceKeys)))
                .Where(x => x.rank >= 0)
                .OrderBy(x => x.rank).ThenBy(x => x.index)
                .Select(x => x.item);

        private static KeyValuePair<string, string> Best(IEnumerable<KeyValuePair<string, string>> items, Func<KeyValuePair<string, string>, string> key, string host, bool namespaceKeys) =>
            Matching(items, key, host, namespaceKeys).FirstOrDefault();
    }
}
