using System.Collections.Generic;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Sources
{
    /// <summary>A resolved base for one platform. Its config and layer blobs are in the blob store.</summary>
    public sealed class BaseImage
    {
        /// <summary>What the user wrote (for the base.name annotation); null for scratch.</summary>
        public string? Name { get; set; }

        /// <summary>The registry reference of a pulled base (portable, unlike a local path); null otherwise.</summary>
        public string? RegistryName { get; set; }

        /// <summary>
        /// 'registry/repository' a registry base came from: where its layers are fetched when an
        /// output needs their bytes, and mounted from when pushing to the same registry.
        /// </summary>
        public string? SourceRepository { get; set; }

        /// <summary>The base manifest's digest, when the base has one (not scratch).</summary>
        public string? ManifestDigest { get; set; }

        public JObject Config { get; set; } = new JObject();
        public List<Descriptor> Layers { get; set; } = new List<Descriptor>();

        public static BaseImage Scratch(Platform platform)
        {
            var config = new JObject
            {
                ["architecture"] = platform.Architecture,
                ["os"] = platform.Os,
                ["config"] = new JObject(),
                ["rootfs"] = new JObject { ["type"] = "layers", ["diff_ids"] = new JArray() },
            };
            if (platform.Variant != null) config["variant"] = platform.Variant;
            return new BaseImage { Config = config };
        }
    }
}
