using System;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// When a tag-based base goes to the registry (Kubernetes' words). A digest-pinned base never
    /// does once cached, whatever the policy.
    /// </summary>
    public enum PullPolicy
    {
        /// <summary>Resolve the tag on every build; if the registry cannot be reached, fail (no silent stale base).</summary>
        Always,
        /// <summary>Use the digest the tag had last time when cached, else resolve it.</summary>
        IfNotPresent,
        /// <summary>Only the cache: fully offline builds.</summary>
        Never,
    }

    public static class PullPolicies
    {
        public static PullPolicy Parse(string? value)
        {
            var v = (value ?? "").Trim();
            if (v.Length == 0) return PullPolicy.Always;
            foreach (PullPolicy p in Enum.GetValues(typeof(PullPolicy)))
                if (string.Equals(p.ToString(), v, StringComparison.OrdinalIgnoreCase)) return p;
            throw new OciException(ErrorCodes.InvalidRegistrySetting,
                $"ContainerBaseImagePullPolicy '{value}' is not valid: use 'Always' (the default: resolve the tag each build), 'IfNotPresent' (reuse the cached digest) or 'Never' (cache only, offline).");
        }
    }
}
