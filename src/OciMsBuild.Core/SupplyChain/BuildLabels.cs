using System;
using System.Collections.Generic;
using System.Linq;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>Which labels the image step adds from what only it knows (the base it resolved, the image's time).</summary>
    public sealed class GeneratedLabels
    {
        public bool Created { get; set; } = true;
        public bool BaseName { get; set; } = true;
        public bool BaseDigest { get; set; } = true;

        public static GeneratedLabels None => new GeneratedLabels { Created = false, BaseName = false, BaseDigest = false };
    }

    /// <summary>
    /// The org.opencontainers.image.* labels the image step writes itself, and the annotations made
    /// from the image's own labels. A label the user set (ContainerLabel) always wins.
    /// </summary>
    public static class BuildLabels
    {
        public const string Prefix = "org.opencontainers.image.";

        /// <summary>
        /// created (the image's one timestamp, never the clock), base.digest and base.name (a registry
        /// base only: a local base's name is a path on this machine, which would make the digest differ per clone).
        /// </summary>
        public static void Add(IDictionary<string, string> labels, BaseImage baseImage, DateTimeOffset created, GeneratedLabels on)
        {
            if (on.Created) AddIfAbsent(labels, AnnotationKeys.Created, SourceDateEpoch.Format(created));
            if (on.BaseDigest && baseImage.ManifestDigest != null) AddIfAbsent(labels, AnnotationKeys.BaseDigest, baseImage.ManifestDigest);
            if (on.BaseName && baseImage.RegistryName != null) AddIfAbsent(labels, AnnotationKeys.BaseName, baseImage.RegistryName);
        }

        /// <summary>The manifest's or index's annotations: the org.opencontainers.image.* labels the build set (not the base's).</summary>
        public static SortedDictionary<string, string> Annotations(IEnumerable<KeyValuePair<string, string>> labels)
        {
            var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in labels.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal)))
                annotations[kv.Key] = kv.Value;
            return annotations;
        }

        private static void AddIfAbsent(IDictionary<string, string> labels, string key, string value)
        {
            if (!labels.ContainsKey(key)) labels[key] = value;
        }
    }
}
