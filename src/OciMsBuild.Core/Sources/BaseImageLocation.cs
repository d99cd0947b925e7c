using System;
using System.IO;
using System.Text.RegularExpressions;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.References;

namespace OciMsBuild.Core.Sources
{
    public enum BaseTransport
    {
        Scratch,
        OciLayout,
        OciArchive,
        DockerArchive,
        Registry,
    }

    /// <summary>
    /// ContainerBaseImage parsed: <c>scratch</c>, <c>oci-layout://DIR[:TAG|@sha256:…]</c>,
    /// <c>oci-archive://FILE[:TAG]</c>, <c>docker-archive://FILE[:REPO:TAG]</c>, or a registry reference.
    /// </summary>
    public sealed class BaseImageLocation
    {
        private static readonly Regex TransportPrefix = new Regex(@"^([A-Za-z][A-Za-z0-9+.-]*)://", RegexOptions.CultureInvariant);
        private static readonly Regex DigestSuffix = new Regex(@"@(sha256:[a-f0-9]{64})$", RegexOptions.CultureInvariant);

        public BaseTransport Transport { get; private set; }
        public string Text { get; private set; } = "";
        public string? Path { get; private set; }
        public string? Tag { get; private set; }
        public string? Digest { get; private set; }
        public ImageReference? Reference { get; private set; }

        public static BaseImageLocation Parse(string text, string projectDirectory)
        {
            const string what = "ContainerBaseImage";
            text = (text ?? "").Trim();
            if (text.Length == 0)
                throw new OciException(ErrorCodes.InvalidBaseImage, $"{what} is empty. Set it to scratch, oci-layout://DIR[:TAG], oci-archive://FILE, docker-archive://FILE or a registry reference.");
            if (string.Equals(text, "scratch", StringComparison.OrdinalIgnoreCase))
                return new BaseImageLocation { Transport = BaseTransport.Scratch, Text = "scratch" };

            var prefix = TransportPrefix.Match(text);
            if (!prefix.Success)
                return new BaseImageLocation { Transport = BaseTransport.Registry, Text = text, Reference = ImageReference.Parse(text, what) };

            var scheme = prefix.Groups[1].Value.ToLowerInvariant();
            var rest = text.Substring(prefix.Length);
            var location = new BaseImageLocation { Text = text };
            switch (scheme)
            {
                case "oci-layout": location.Transport = BaseTransport.OciLayout; break;
                case "oci-archive": location.Transport = BaseTransport.OciArchive; break;
                case "docker-archive": location.Transport = BaseTransport.DockerArchive; break;
                default:
                    throw new OciException(ErrorCodes.UnknownBaseTransport,
                        $"{what} '{text}' uses the unknown transport '{scheme}://'. Valid: scratch, oci-layout://DIR[:TAG|@sha256:…], oci-archive://FILE[:TAG], docker-archive://FILE[:REPO:TAG], or a registry reference such as mcr.microsoft.com/dotnet/runtime:10.0.");
            }

            var digest = DigestSuffix.Match(rest);
            if (digest.Success)
            {
                location.Digest = digest.Groups[1].Value;
                rest = rest.Substring(0, digest.Index);
            }
            else if (location.Transport != BaseTransport.OciLayout && SplitAtExistingFile(rest, projectDirectory) is int fileEnd)
            {
                // An archive's selector may itself hold '/' and ':' (docker-archive://base.tar:team/base:1.0),
                // so the path ends at the first ':' before which an existing file is named.
                location.Tag = rest.Substring(fileEnd + 1);
                rest = rest.Substring(0, fileEnd);
            }
            else
            {
                // A selector follows the last ':' that comes after the last path separator
                // (so C:\images\base stays a path).
                int lastSep = Math.Max(rest.LastIndexOf('/'), rest.LastIndexOf('\\'));
                int colon = rest.IndexOf(':', lastSep + 1);
                if (colon > 0 && !(colon == 1 && lastSep < 0 && rest.Length > 2 && (rest[2] == '\\' || rest[2] == '/')))
                {
                    location.Tag = rest.Substring(colon + 1);
                    rest = rest.Substring(0, colon);
                    if (location.Tag.Length == 0)
                        throw new OciException(ErrorCodes.InvalidTag, $"{what} '{text}' ends with ':' but names no tag.");
                }
            }
            if (rest.Length == 0)
                throw new OciException(ErrorCodes.InvalidBaseImage, $"{what} '{text}' names no path after '{scheme}://'.");
            location.Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(projectDirectory, rest));
            return location;
        }
    

        private static int? SplitAtExistingFile(string rest, string projectDirectory)
        {
            for (int colon = rest.IndexOf(':'); colon >= 0; colon = rest.IndexOf(':', colon + 1))
            {
                if (colon == 1 || colon == rest.Length - 1) continue; // a drive letter, or nothing after it
                try
                {
                    if (File.Exists(System.IO.Path.Combine(projectDirectory, rest.Substring(0, colon)))) return colon;
                }
                catch (ArgumentException) { }
            }
            return null;
        }
    }
}
