using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>Real images made with Core's own builder (scratch or a given base, packed layers), for the client to push.</summary>
    internal static class BuiltImages
    {
        public static readonly Platform Amd64 = new Platform("linux", "amd64");
        public static readonly Platform Arm64 = new Platform("linux", "arm64", "v8");

        /// <summary>An image whose app layer holds <paramref name="files"/> (name → bytes), over <paramref name="baseImage"/> or scratch.</summary>
        public static BuiltImage Build(BlobStore store, string workDir, IDictionary<string, byte[]> files, BaseImage? baseImage = null, Platform? platform = null)
        {
            var source = Path.Combine(workDir, "src-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(source);
            var published = new List<PublishedFile>();
            foreach (var file in files)
            {
                var path = Path.Combine(source, file.Key);
                File.WriteAllBytes(path, file.Value);
                published.Add(new PublishedFile(file.Key, path));
            }
            var plan = LayerPlanBuilder.Build(LayerKind.App, published, "/app", 0, 0, DateTimeOffset.FromUnixTimeSeconds(0));
            var layer = LayerPacker.Pack(plan, store);
            var settings = new ContainerSettings { WorkingDirectory = "/app", AppCommand = new List<string> { "/app/hello" } };
            platform ??= Amd64;
            var rid = platform.Architecture == "arm64" ? "linux-arm64" : "linux-x64";
            return ImageBuilder.Build(baseImage ?? BaseImage.Scratch(platform), new[] { layer }, settings, ImageFormat.Oci, rid, platform,
                DateTimeOffset.FromUnixTimeSeconds(0), store);
        }

        /// <summary>Bytes that do not compress, so a layer has about that size.</summary>
        public static byte[] Noise(int size, int seed)
        {
            var bytes = new byte[size];
            new Random(seed).NextBytes(bytes);
            return bytes;
        }

        public static BuiltImage Small(BlobStore store, string workDir, string text, BaseImage? baseImage = null) =>
            Build(store, workDir, new Dictionary<string, byte[]> { ["hello.txt"] = System.Text.Encoding.UTF8.GetBytes(text) }, baseImage);
    }
}
