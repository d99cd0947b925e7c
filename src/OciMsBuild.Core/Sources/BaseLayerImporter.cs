using System.IO;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Sources
{
    /// <summary>
    /// Brings a base layer into the store. Compressed layers keep their bytes and digest (never
    /// re-compressed); an uncompressed tar (docker save output) is gzipped once, deterministically,
    /// so every manifest we write holds gzip layers of one media-type family.
    /// </summary>
    public static class BaseLayerImporter
    {
        public static Descriptor Import(BlobStore store, string path, Descriptor? declared, string baseName)
        {
            if (!File.Exists(path))
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{baseName}': layer file '{path}' is missing.");
            if (IsGzip(path))
            {
                var digest = declared?.Digest ?? Digest.OfFile(path);
                try { store.ImportFile(path, digest); }
                catch (OciException e) when (e.Code == ErrorCodes.BlobCorrupt)
                {
                    throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{baseName}': layer {digest} does not match its digest (damaged base).", e);
                }
                var type = declared?.MediaType;
                if (string.IsNullOrEmpty(type) || !MediaTypes.IsGzipLayer(type)) type = MediaTypes.OciLayerGzip;
                return new Descriptor { MediaType = type!, Digest = digest, Size = new FileInfo(path).Length };
            }
            var (gzDigest, size) = store.PutStream(output =>
            {
                using var gzip = LayerCompression.Open(output, LayerCompression.Gzip, LayerCompression.DefaultGzipLevel, LayerCompression.DefaultThreads);
                using (var input = File.OpenRead(path)) input.CopyTo(gzip, 1 << 16);
                LayerCompression.Finish(gzip);
            });
            return new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = gzDigest, Size = size };
        }

        private static bool IsGzip(string path)
        {
            using var s = File.OpenRead(path);
            return s.ReadByte() == 0x1f && s.ReadByte() == 0x8b;
        }
    }
}
