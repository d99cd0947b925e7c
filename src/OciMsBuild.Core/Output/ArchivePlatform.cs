using System;
using System.Linq;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Platforms;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Chooses the one platform a tarball's Docker manifest.json names (ContainerArchivePlatform).
    /// docker load and podman load read manifest.json and load a single image; the OCI index
    /// beside it still holds every platform for skopeo, crane and containerd.
    /// </summary>
    public static class ArchivePlatform
    {
        /// <param name="wanted">'os/arch[/variant]' or a Linux RID; empty: the building machine's platform when the set has it, else the first image.</param>
        public static BuiltImage Choose(ImageSet set, string? wanted)
        {
            if (string.IsNullOrWhiteSpace(wanted))
            {
                if (set.Images.Count == 1) return set.Images[0];
                var host = RuntimeIdentifiers.ToPlatform(RuntimeIdentifiers.ForHostArchitecture());
                return set.Images.FirstOrDefault(i => host.IsSatisfiedBy(i.Platform)) ?? set.Images[0];
            }
            var platform = Parse(wanted!.Trim());
            var match = set.Images.FirstOrDefault(i => platform.IsSatisfiedBy(i.Platform));
            if (match != null) return match;
            throw new OciException(ErrorCodes.InvalidArchivePlatform,
                $"ContainerArchivePlatform '{wanted}' is not one of the image's platforms: {string.Join(", ", set.Images.Select(i => i.Platform.ToString()))}. Leave it empty for the building machine's platform, or name one of those.");
        }

        /// <summary>'linux/arm64', 'linux/arm/v7' or a RID such as 'linux-arm64'.</summary>
        public static Platform Parse(string text)
        {
            var parts = text.Split('/');
            if (parts.Length >= 2 && parts.Length <= 3 && parts.All(p => p.Length > 0 && p.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '.')))
                return new Platform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
            if (RuntimeIdentifiers.IsLinux(text)) return RuntimeIdentifiers.ToPlatform(text);
            throw new OciException(ErrorCodes.InvalidArchivePlatform,
                $"ContainerArchivePlatform '{text}' is not a platform. Use os/architecture[/variant] such as linux/amd64 or linux/arm64/v8, or a RID such as linux-arm64.");
        }
    }
}
