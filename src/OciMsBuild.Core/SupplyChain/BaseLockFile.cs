using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>One base reference in the lock: what its tag meant when the lock was written.</summary>
    public sealed class LockedBase
    {
        /// <summary>The tag's top-level digest (an index for a multi-platform base).</summary>
        public string Digest { get; set; } = "";

        /// <summary>Platform ("linux/arm64/v8") → the manifest digest the base has for it.</summary>
        public SortedDictionary<string, string> Platforms { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The base-image lock file (container.lock.json beside the project): each registry base's tag
    /// pinned to the digest it had, with the manifest digest of every platform built. Written sorted,
    /// without timestamps or machine paths, so it diffs cleanly in review:
    /// <code>
    /// {
    ///   "version": 1,
    ///   "bases": {
    ///     "registry.example/dotnet/runtime:10.0": {
    ///       "digest": "sha256:…",
    ///       "platforms": { "linux/amd64": "sha256:…", "linux/arm64/v8": "sha256:…" }
    ///     }
    ///   }
    /// }
    /// </code>
    /// </summary>
    public sealed class BaseLockFile
    {
        public const int CurrentVersion = 1;

        /// <summary>Normalized base reference (ImageReference.ToString of the tag form) → its pin.</summary>
        public SortedDictionary<string, LockedBase> Bases { get; } = new SortedDictionary<string, LockedBase>(StringComparer.Ordinal);

        /// <summary>The lock at <paramref name="path"/>; null when there is none. A damaged lock is OCI1028.</summary>
        public static BaseLockFile? Load(string path)
        {
            if (!File.Exists(path)) return null;
            return Parse(File.ReadAllText(path), path);
        }

        public static BaseLockFile Parse(string text, string path)
        {
            JObject root;
            try { root = JObject.Parse(text); }
            catch (JsonException e) { throw Invalid(path, "it is not valid JSON (" + e.Message + ")"); }
            if ((int?)root["version"] != CurrentVersion) throw Invalid(path, $"its \"version\" is not {CurrentVersion}");
            var lockFile = new BaseLockFile();
            if (root["bases"] is JObject bases)
            {
                foreach (var b in bases.Properties())
                {
                    if (!(b.Value is JObject entry)) throw Invalid(path, $"base \"{b.Name}\" is not an object");
                    var locked = new LockedBase { Digest = (string?)entry["digest"] ?? "" };
                    if (!Oci.Digest.IsValid(locked.Digest)) throw Invalid(path, $"base \"{b.Name}\" has no valid \"digest\"");
                    if (entry["platforms"] is JObject platforms)
                        foreach (var p in platforms.Properties())
                        {
                            var digest = (string?)p.Value ?? "";
                            if (!Oci.Digest.IsValid(digest)) throw Invalid(path, $"base \"{b.Name}\" platform \"{p.Name}\" has no valid digest");
                            locked.Platforms[p.Name] = digest;
                        }
                    lockFile.Bases[b.Name] = locked;
                }
            }
            else if (root["bases"] != null) throw Invalid(path, "\"bases\" is not an object");
            return lockFile;
        }

        /// <summary>Sorted, two-space indented, LF line ends, a final newline: the same text for the same pins.</summary>
        public string ToText()
        {
            var bases = new JObject();
            foreach (var kv in Bases)
                bases[kv.Key] = new JObject
                {
                    ["digest"] = kv.Value.Digest,
                    ["platforms"] = new JObject(kv.Value.Platforms.Select(p => new JProperty(p.Key, p.Value))),
                };
            var root = new JObject { ["version"] = CurrentVersion, ["bases"] = bases };
            var text = new StringBuilder();
            using (var writer = new StringWriter(text) { NewLine = "\n" })
            using (var json = new JsonTextWriter(writer) { Formatting = Formatting.Indented, Indentation = 2 })
                root.WriteTo(json);
            return text.Append('\n').ToString();
        }

        /// <summary>
        /// Records that <paramref name="reference"/> resolved to <paramref name="digest"/>, and its
        /// <paramref name="platform"/> to <paramref name="manifestDigest"/>. A new digest drops the
        /// platforms recorded for the old one (the build records each of its platforms).
        /// </summary>
        public void Record(string reference, string digest, string platform, string manifestDigest)
        {
            if (!Bases.TryGetValue(reference, out var locked) || locked.Digest != digest)
                Bases[reference] = locked = new LockedBase { Digest = digest };
            locked.Platforms[platform] = manifestDigest;
        }

        private static OciException Invalid(string path, string why) =>
            new OciException(ErrorCodes.InvalidBaseLock,
                $"The base-image lock '{path}' cannot be used: {why}. Write it again with -p:ContainerUpdateLock=true (it is generated; do not edit it by hand).");
    }
}
