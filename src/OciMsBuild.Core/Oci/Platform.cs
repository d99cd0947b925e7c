using System;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Oci
{
    /// <summary>os/architecture[/variant] as in an image index and a config.</summary>
    public sealed class Platform : IEquatable<Platform>
    {
        public Platform() { }

        public Platform(string os, string architecture, string? variant = null)
        {
            Os = os;
            Architecture = architecture;
            Variant = variant;
        }

        [JsonProperty("architecture", Order = 1)] public string Architecture { get; set; } = "";
        [JsonProperty("os", Order = 2)] public string Os { get; set; } = "";
        [JsonProperty("variant", Order = 3)] public string? Variant { get; set; }

        /// <summary>
        /// True when an index entry serves this platform. arm64 means v8 whether or not the
        /// entry names the variant; for other architectures a missing variant matches any.
        /// </summary>
        public bool IsSatisfiedBy(Platform? candidate)
        {
            if (candidate == null) return false;
            if (!string.Equals(candidate.Os, Os, StringComparison.Ordinal)) return false;
            if (!string.Equals(candidate.Architecture, Architecture, StringComparison.Ordinal)) return false;
            var want = NormalizedVariant(Architecture, Variant);
            var have = NormalizedVariant(candidate.Architecture, candidate.Variant);
            return want == null || have == null || want == have;
        }

        private static string? NormalizedVariant(string arch, string? variant)
        {
            if (arch == "arm64" && string.IsNullOrEmpty(variant)) return "v8";
            return string.IsNullOrEmpty(variant) ? null : variant;
        }

        public override string ToString() => Os + "/" + Architecture + (string.IsNullOrEmpty(Variant) ? "" : "/" + Variant);

        public bool Equals(Platform? other) => other != null && other.ToString() == ToString();
        public override bool Equals(object? obj) => Equals(obj as Platform);
        public override int GetHashCode() => ToString().GetHashCode();
    }
}
