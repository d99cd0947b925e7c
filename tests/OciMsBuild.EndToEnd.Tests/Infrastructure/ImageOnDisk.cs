using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>Reads what a publish wrote: the summary, the OCI layout, and layer contents.</summary>
    public sealed class ImageOnDisk
    {
        public ImageOnDisk(string layoutPath, string summaryPath)
        {
            LayoutPath = layoutPath;
            Summary = JObject.Parse(File.ReadAllText(summaryPath));
        }

        public string LayoutPath { get; }
        public JObject Summary { get; }
        public string Digest => (string)Summary["digest"]!;

        public IReadOnlyList<(string Kind, string Digest, long Size)> Layers =>
            Summary["layers"]!.Select(l => ((string)l["kind"]!, (string)l["digest"]!, (long)l["size"]!)).ToList();

        public (string Kind, string Digest, long Size) Layer(string kind) => Layers.Single(l => l.Kind == kind);

        public string BlobPath(string digest) => Path.Combine(LayoutPath, "blobs", "sha256", digest.Substring("sha256:".Length));

        public JObject ReadJsonBlob(string digest) => ParseVerbatim(File.ReadAllText(BlobPath(digest)));

        /// <summary>Parses JSON keeping date strings as written (Newtonsoft would turn them into DateTime).</summary>
        public static JObject ParseVerbatim(string json)
        {
            using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(json)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
            return JObject.Load(reader);
        }

        public JObject Manifest => ReadJsonBlob(Digest);
        public JObject Config => ReadJsonBlob((string)Manifest["config"]!["digest"]!);

        /// <summary>Entry name → mode for every entry of a layer.</summary>
        public SortedDictionary<string, UnixFileMode> LayerEntries(string digest)
        {
            var result = new SortedDictionary<string, UnixFileMode>(StringComparer.Ordinal);
            using var file = File.OpenRead(BlobPath(digest));
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            TarEntry? entry;
            while ((entry = reader.GetNextEntry()) != null) result[entry.Name] = entry.Mode;
            return result;
        }

        /// <summary>Every descriptor in index.json, manifest and config points at a blob of that size and digest.</summary>
        public void AssertDescriptorsMatchBlobs()
        {
            var index = JObject.Parse(File.ReadAllText(Path.Combine(LayoutPath, "index.json")));
            var descriptors = index["manifests"]!.Concat(new[] { Manifest["config"]! }).Concat(Manifest["layers"]!);
            foreach (var d in descriptors)
            {
                var digest = (string)d["digest"]!;
                var path = BlobPath(digest);
                Assert.That(File.Exists(path), Is.True, "blob " + digest);
                Assert.That(new FileInfo(path).Length, Is.EqualTo((long)d["size"]!), "size of " + digest);
                using var stream = File.OpenRead(path);
                Assert.That("sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream)), Is.EqualTo(digest));
            }
        }
    }
}
