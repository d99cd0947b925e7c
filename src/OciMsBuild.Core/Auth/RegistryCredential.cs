using System;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// A user name and password and/or an OAuth2 identity token for one registry. The secrets are
    /// only reachable through their properties: <see cref="ToString"/> and <see cref="Source"/> never show them.
    /// </summary>
    public sealed class RegistryCredential
    {
        public RegistryCredential(string? username, string? password, string? identityToken, string source)
        {
            Username = string.IsNullOrEmpty(username) ? null : username;
            Password = string.IsNullOrEmpty(password) ? null : password;
            IdentityToken = string.IsNullOrEmpty(identityToken) ? null : identityToken;
            Source = source ?? throw new ArgumentNullException(nameof(source));
        }

        public string? Username { get; }

        public string? Password { get; }

        /// <summary>
        /// OAuth2 refresh token: config.json "identitytoken", or a credential helper answering Username "&lt;token&gt;".
        /// </summary>
        public string? IdentityToken { get; }

        /// <summary>
        /// Where it came from, never the secret, e.g. "environment variables DOTNET_CONTAINER_PUSH_REGISTRY_UNAME/PWORD",
        /// "/root/.docker/config.json (auths \"127.0.0.1:5000\")" or
        /// "credential helper docker-credential-pass (credHelpers in /root/.docker/config.json)".
        /// </summary>
        public string Source { get; }

        /// <summary>"credential from &lt;Source&gt;": safe for logs and error messages.</summary>
        public override string ToString() => "credential from " + Source;
    }
}
