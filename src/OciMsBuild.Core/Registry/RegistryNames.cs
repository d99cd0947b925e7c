using System.Text.RegularExpressions;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Registry
{
    /// <summary>ContainerRegistry checked: a host name or IP with an optional port, nothing else.</summary>
    public static class RegistryNames
    {
        private static readonly Regex Host = new Regex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant);

        /// <summary>Returns the registry in lower case; 'https://x/' forms are refused with a hint.</summary>
        public static string Validate(string? registry)
        {
            var r = (registry ?? "").Trim();
            if (!Host.IsMatch(r))
                throw new OciException(ErrorCodes.InvalidRegistry,
                    $"ContainerRegistry '{registry}' is not a registry host: use host[:port] without a scheme or path, e.g. 'myregistry.azurecr.io', 'localhost:5000' or 'docker.io'.");
            return r.ToLowerInvariant();
        }
    }
}
