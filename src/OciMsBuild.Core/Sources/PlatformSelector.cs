using System.Collections.Generic;
using System.Linq;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Sources
{
    /// <summary>Picks the manifest for a platform out of an index, or explains what the index has.</summary>
    public static class PlatformSelector
    {
        public static Descriptor Select(ImageIndex index, Platform wanted, string baseName)
        {
            var match = index.Manifests.FirstOrDefault(m => MediaTypes.IsManifest(m.MediaType) && wanted.IsSatisfiedBy(m.Platform));
            if (match != null) return match;
            throw new OciException(ErrorCodes.BasePlatformMissing,
                $"ContainerBaseImage '{baseName}' has no image for {wanted}. It has: {Describe(index.Manifests.Select(m => m.Platform))}. Choose a base that supports {wanted}, or a ContainerRuntimeIdentifier for one of those platforms.");
        }

        public static void Check(Platform? have, Platform wanted, string baseName)
        {
            if (have != null && wanted.IsSatisfiedBy(have)) return;
            throw new OciException(ErrorCodes.BasePlatformMissing,
                $"ContainerBaseImage '{baseName}' is an image for {(have == null ? "an unknown platform" : have.ToString())}, not {wanted}. Choose a base that supports {wanted}, or a matching ContainerRuntimeIdentifier.");
        }

        private static string Describe(IEnumerable<Platform?> platforms)
        {
            var names = platforms.Where(p => p != null).Select(p => p!.ToString()).Distinct().ToList();
            return names.Count == 0 ? "no platform-tagged images" : string.Join(", ", names);
        }
    }
}
