using System;
using System.Linq;
using System.Text.RegularExpressions;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.References
{
    /// <summary>
    /// <c>[host[:port]/]path[:tag][@sha256:…]</c>, normalized the way Docker does:
    /// <c>node</c> → <c>docker.io/library/node</c>, <c>a/b</c> → <c>docker.io/a/b</c>.
    /// </summary>
    public sealed class ImageReference
    {
        public const string DockerHub = "docker.io";
        public const string DockerHubEndpoint = "registry-1.docker.io";

        // Grammar from the distribution reference spec: lowercase path components joined by
        // separators, tags of at most 128 word characters, digests algorithm:hex.
        private static readonly Regex PathComponent = new Regex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$", RegexOptions.CultureInvariant);
        private static readonly Regex TagPattern = new Regex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant);
        private static readonly Regex DigestPattern = new Regex(@"^sha256:[a-f0-9]{64}$", RegexOptions.CultureInvariant);
        private static readonly Regex HostPattern = new Regex(@"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$", RegexOptions.CultureInvariant);

        public ImageReference(string registry, string repository, string? tag, string? digest)
        {
            Registry = registry;
            Repository = repository;
            Tag = tag;
            Digest = digest;
        }

        /// <summary>Registry host as written (docker.io for Docker Hub).</summary>
        public string Registry { get; }
        public string Repository { get; }
        public string? Tag { get; }
        public string? Digest { get; }

        /// <summary>The host to talk HTTP to: Docker Hub's API lives at registry-1.docker.io.</summary>
        public string RegistryEndpoint => Registry == DockerHub ? DockerHubEndpoint : Registry;

        /// <summary>Tag or digest, for "repo:tag" / "repo@digest" display and lookups.</summary>
        public string Reference => Digest ?? Tag ?? "latest";

        public override string ToString()
        {
            var s = Registry + "/" + Repository;
            if (Tag != null) s += ":" + Tag;
            if (Digest != null) s += "@" + Digest;
            return s;
        }

        public static bool IsValidTag(string tag) => TagPattern.IsMatch(tag);

        public static bool IsValidRepository(string repository)
        {
            if (string.IsNullOrEmpty(repository) || repository.Length > 255) return false;
            foreach (var part in repository.Split('/'))
                if (!PathComponent.IsMatch(part)) return false;
            return true;
        }

        /// <summary>Parses and normalizes; <paramref name="what"/> names the property for the error.</summary>
        public static ImageReference Parse(string text, string what)
        {
            if (!TryParse(text, out var reference, out var why))
                throw new OciException(ErrorCodes.InvalidReference,
                    $"{what} '{text}' is not a valid image reference: {why}. Expected [host[:port]/]repository[:tag][@sha256:<64 hex>], e.g. 'mcr.microsoft.com/dotnet/runtime:10.0' or 'myapp'.");
            return reference!;
        }

        public static bool TryParse(string text, out ImageReference? reference, out string why)
        {
            reference = null;
            why = "";
            if (string.IsNullOrWhiteSpace(text)) { why = "it is empty"; return false; }
            if (text.Trim() != text) { why = "it has leading or trailing spaces"; return false; }

            string rest = text;
            string? digest = null;
            int at = rest.IndexOf('@');
            if (at >= 0)
            {
                digest = rest.Substring(at + 1);
                rest = rest.Substring(0, at);
                if (!DigestPattern.IsMatch(digest)) { why = $"digest '{digest}' is not sha256:<64 lowercase hex>"; return false; }
            }

            // The registry is the first component when it looks like a host: has '.', ':' or is localhost.
            string registry = DockerHub;
            int slash = rest.IndexOf('/');
            if (slash > 0)
            {
                var first = rest.Substring(0, slash);
                if (first.IndexOf('.') >= 0 || first.IndexOf(':') >= 0 || first == "localhost" || first.Any(char.IsUpper))
                {
                    if (!HostPattern.IsMatch(first)) { why = $"registry '{first}' is not a valid host[:port]"; return false; }
                    registry = first;
                    rest = rest.Substring(slash + 1);
                }
            }
            if (registry == "index.docker.io" || registry == DockerHubEndpoint) registry = DockerHub;

            string? tag = null;
            int colon = rest.LastIndexOf(':');
            if (colon >= 0)
            {
                tag = rest.Substring(colon + 1);
                rest = rest.Substring(0, colon);
                if (!IsValidTag(tag)) { why = $"tag '{tag}' must be 1-128 characters of [A-Za-z0-9_.-] not starting with '.' or '-'"; return false; }
            }

            if (!IsValidRepository(rest)) { why = $"repository '{rest}' must be lowercase path components of [a-z0-9] joined by '.', '_', '__', '-' or '/'"; return false; }
            if (registry == DockerHub && rest.IndexOf('/') < 0) rest = "library/" + rest;
            if (tag == null && digest == null) tag = "latest";

            reference = new ImageReference(registry, rest, tag, digest);
            return true;
        }
    }
}
