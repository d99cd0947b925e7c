using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A tiny but valid OCI image layout written without skopeo: gzip tar layers holding random (or
    /// seeded) bytes, a config with matching diff_ids, a manifest, and an index.json entry with the tag
    /// (org.opencontainers.image.ref.name). Calling Create again on the same directory adds a tag.
    /// Random content by default, so every test pushes blobs the registry has not seen yet.
    /// </summary>
    public sealed class TestImage
    {
        public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
        public const string IndexMediaType = "application/vnd.oci.image.index.v1+json";
        public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
        public const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
        private const string RefNameAnnotation = "org.opencontainers.image.ref.name";
        private static readonly DateTimeOffset Epoch = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

        private TestImage(string layoutDirectory, string tag, string digest, long size, string mediaType)
        {
            LayoutDirectory = layoutDirectory;
            Tag = tag;
            Digest = digest;
            Size = size;
            MediaType = mediaType;
        }

        public string LayoutDirectory { get; }

        public string Tag { get; }

        /// <summary>skopeo source "oci:DIR:TAG".</summary>
        public string OciReference => $"oci:{LayoutDirectory}:{Tag}";

        /// <summary>Digest of the tagged manifest (or, for a multi-platform image, of the image index).</summary>
        public string Digest { get; }

        public long Size { get; }

        public string MediaType { get; }

        public bool IsIndex => MediaType == IndexMediaType;

        /// <summary>Single-platform: the config. Multi-platform: null (see <see cref="Platforms"/>).</summary>
        public string? ConfigDigest { get; private init; }

        /// <summary>Single-platform: its compressed layer digests, in order.</summary>
        public IReadOnlyList<string> LayerDigests { get; private init; } = Array.Empty<string>();

        public IReadOnlyList<long> LayerSizes { get; private init; } = Array.Empty<long>();

        public string Architecture { get; private init; } = "";

        public string? Variant { get; private init; }

        /// <summary>Multi-platform: the member images (amd64, arm64/v8); single-platform: empty.</summary>
        public IReadOnlyList<TestImage> Platforms { get; private init; } = Array.Empty<TestImage>();

        /// <summary>Every blob of the image: index, manifests, configs, layers.</summary>
        public IReadOnlyList<string> AllBlobDigests =>
            new[] { Digest }.Concat(ConfigDigest != null ? new[] { ConfigDigest } : Array.Empty<string>())
                .Concat(LayerDigests).Concat(Platforms.SelectMany(p => p.AllBlobDigests)).Distinct().ToList();

        public string BlobPath(string digest) => Path.Combine(LayoutDirectory, "blobs", digest.Replace(':', Path.DirectorySeparatorChar));

        /// <summary>A single-platform linux image with <paramref name="layerCount"/> layers of about <paramref name="layerSize"/> bytes each.</summary>
        /// <param name="seed">null: random content; a number: the same bytes (and digests) every time.</param>
        public static TestImage Create(string layoutDirectory, string tag = "latest", int layerCount = 2, int layerSize = 1024,
            int? seed = null, string architecture = "amd64", string? variant = null)
        {
            var random = seed is int s ? new Random(s) : new Random(RandomNumberGenerator.GetInt32(int.MaxValue));
            var layout = InitLayout(layoutDirectory);
            var image = WriteImage(layout, tag, layerCount, layerSize, random, architecture, variant);
            AddToIndexJson(layout, image.Descriptor(null), tag);
            return image;
        }

        /// <summary>An image index with linux/amd64 and linux/arm64/v8 manifests (different layers each).</summary>
        public static TestImage CreateMultiPlatform(string layoutDirectory, string tag = "latest", int layerCount = 1, int layerSize = 1024, int? seed = null)
        {
            var random = seed is int s ? new Random(s) : new Random(RandomNumberGenerator.GetInt32(int.MaxValue));
            var layout = InitLayout(layoutDirectory);
            var members = new[]
            {
                WriteImage(layout, tag, layerCount, layerSize, random, "amd64", null),
                WriteImage(layout, tag, layerCount, layerSize, random, "arm64", "v8"),
            };
            var manifests = new JsonArray();
            foreach (var m in members)
            {
                var platform = new JsonObject { ["architecture"] = m.Architecture, ["os"] = "linux" };
                if (m.Variant != null) platform["variant"] = m.Variant;
                manifests.Add(m.Descriptor(platform));
            }
            var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = IndexMediaType, ["manifests"] = manifests };
            var (digest, size) = WriteBlob(layout, Encoding.UTF8.GetBytes(index.ToJsonString()));
            var image = new TestImage(layout, tag, digest, size, IndexMediaType) { Platforms = members };
            AddToIndexJson(layout, image.Descriptor(null), tag);
            return image;
        }

        private JsonObject Descriptor(JsonObject? platform)
        {
            var d = new JsonObject { ["mediaType"] = MediaType, ["digest"] = Digest, ["size"] = Size };
            if (platform != null) d["platform"] = platform;
            return d;
        }

        private static string InitLayout(string dir)
        {
            var full = Path.GetFullPath(dir);
            Directory.CreateDirectory(Path.Combine(full, "blobs", "sha256"));
            File.WriteAllText(Path.Combine(full, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            return full;
        }

        private static TestImage WriteImage(string layout, string tag, int layerCount, int layerSize, Random random, string architecture, string? variant)
        {
            if (layerCount < 1) throw new ArgumentOutOfRangeException(nameof(layerCount));
            var layers = new List<(string Digest, long Size, string DiffId)>();
            for (var i = 0; i < layerCount; i++)
            {
                var tar = LayerTar(i, layerSize, random, architecture);
                var gz = Gzip(tar);
                var (digest, size) = WriteBlob(layout, gz);
                layers.Add((digest, size, Sha256(tar)));
            }
            var config = new JsonObject
            {
                ["created"] = Epoch.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["architecture"] = architecture,
                ["os"] = "linux",
            };
            if (variant != null) config["variant"] = variant;
            config["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/local/bin:/usr/bin:/bin"), ["WorkingDir"] = "/app" };
            config["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode)JsonValue.Create(l.DiffId)!).ToArray()) };
            config["history"] = new JsonArray(layers.Select((_, i) => (JsonNode)new JsonObject
            {
                ["created"] = Epoch.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["created_by"] = $"OciMsBuild.Testing.Registry.TestImage layer {i}",
            }).ToArray());
            var (configDigest, configSize) = WriteBlob(layout, Encoding.UTF8.GetBytes(config.ToJsonString()));

            var manifest = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = ManifestMediaType,
                ["config"] = new JsonObject { ["mediaType"] = ConfigMediaType, ["digest"] = configDigest, ["size"] = configSize },
                ["layers"] = new JsonArray(layers.Select(l => (JsonNode)new JsonObject
                {
                    ["mediaType"] = LayerMediaType,
                    ["digest"] = l.Digest,
                    ["size"] = l.Size,
                }).ToArray()),
            };
            var (digest2, size2) = WriteBlob(layout, Encoding.UTF8.GetBytes(manifest.ToJsonString()));
            return new TestImage(layout, tag, digest2, size2, ManifestMediaType)
            {
                ConfigDigest = configDigest,
                LayerDigests = layers.Select(l => l.Digest).ToList(),
                LayerSizes = layers.Select(l => l.Size).ToList(),
                Architecture = architecture,
                Variant = variant,
            };
        }

        /// <summary>A tar with app/ and app/layer-N-ARCH.bin holding <paramref name="size"/> random bytes (incompressible: blob size ≈ size).</summary>
        private static byte[] LayerTar(int index, int size, Random random, string architecture)
        {
            var content = new byte[size];
            random.NextBytes(content);
            using var ms = new MemoryStream();
            using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "app/")
                {
                    ModificationTime = Epoch,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                });
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"app/layer-{index}-{architecture}.bin")
                {
                    ModificationTime = Epoch,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    DataStream = new MemoryStream(content),
                });
            }
            return ms.ToArray();
        }

        private static byte[] Gzip(byte[] data)
        {
            using var ms = new MemoryStream();
            using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
            return ms.ToArray();
        }

        private static string Sha256(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

        private static (string Digest, long Size) WriteBlob(string layout, byte[] data)
        {
            var digest = Sha256(data);
            File.WriteAllBytes(Path.Combine(layout, "blobs", "sha256", digest.Substring(7)), data);
            return (digest, data.Length);
        }

        /// <summary>Adds (or replaces) the entry for <paramref name="tag"/> in index.json, keeping other tags.</summary>
        private static void AddToIndexJson(string layout, JsonObject descriptor, string tag)
        {
            var path = Path.Combine(layout, "index.json");
            var manifests = new JsonArray();
            if (File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))?["manifests"] is JsonArray existing)
                foreach (var m in existing)
                    if (m?["annotations"]?[RefNameAnnotation]?.GetValue<string>() != tag)
                        manifests.Add(m!.DeepClone());
            descriptor["annotations"] = new JsonObject { [RefNameAnnotation] = tag };
            manifests.Add(descriptor);
            var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = IndexMediaType, ["manifests"] = manifests };
            File.WriteAllText(path, index.ToJsonString());
        }
    }
}
