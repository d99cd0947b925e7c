using System;
using System.Collections.Generic;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Core.Tests.Support
{
    /// <summary>Small real images made with the engine itself, for the readers and writers to chew on.</summary>
    public static class TestImages
    {
        public static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1700000000);

        public static readonly Platform LinuxAmd64 = new Platform("linux", "amd64");
        public static readonly Platform LinuxArm64 = new Platform("linux", "arm64", "v8");

        /// <summary>One app layer holding App.dll (with <paramref name="content"/>) on <paramref name="baseImage"/> (scratch by default).</summary>
        public static BuiltImage Build(BlobStore store, TempDir temp, Platform? platform = null, ImageFormat format = ImageFormat.Oci,
            BaseImage? baseImage = null, string content = "app bytes", ContainerSettings? settings = null)
        {
            platform ??= LinuxAmd64;
            var layer = PackLayer(store, temp, LayerKind.App, new Dictionary<string, string> { ["App.dll"] = content });
            settings ??= new ContainerSettings { AssemblyName = "App", AppHostFileName = "App" };
            return ImageBuilder.Build(baseImage ?? BaseImage.Scratch(platform), new[] { layer }, settings, format,
                platform.Architecture == "arm64" ? "linux-arm64" : "linux-x64", platform, Epoch, store);
        }

        /// <summary>Writes the files into a fresh publish folder and packs them as one layer under /app.</summary>
        public static LayerRecord PackLayer(BlobStore store, TempDir temp, LayerKind kind, IDictionary<string, string> files)
        {
            var folder = "publish-" + Guid.NewGuid().ToString("N");
            var published = new List<PublishedFile>();
            foreach (var kv in files)
                published.Add(new PublishedFile(kv.Key, temp.Write(folder + "/" + kv.Key, kv.Value)) { HasMetadata = true });
            var plan = LayerPlanBuilder.Build(kind, published, "/app", 0, 0, Epoch);
            return LayerPacker.Pack(plan, store);
        }
    }
}
