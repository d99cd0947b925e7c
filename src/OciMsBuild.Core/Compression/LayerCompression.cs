using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Compression
{
    /// <summary>
    /// Which compressor packs our layers, what media type that gives, and an identity string that
    /// changes whenever the bytes could: part of every layer fingerprint and layer-cache key, so a
    /// new compressor or runtime re-packs layers instead of mixing old and new bytes.
    /// </summary>
    public static class LayerCompression
    {
        public const string Gzip = "gzip";
        public const string Zstd = "zstd";
        public const int DefaultGzipLevel = 6;
        public const int DefaultZstdLevel = 3;

        /// <summary>Threads one layer's compression may use: all cores (bytes do not depend on it).</summary>
        public static int DefaultThreads => Environment.ProcessorCount;

        /// <summary>"gzip" (default) or "zstd"; anything else is OCI1030.</summary>
        public static string Parse(string? value)
        {
            var v = (value ?? "").Trim();
            if (v.Length == 0 || v.Equals(Gzip, StringComparison.OrdinalIgnoreCase)) return Gzip;
            if (v.Equals(Zstd, StringComparison.OrdinalIgnoreCase)) return Zstd;
            throw new OciException(ErrorCodes.InvalidLayerCompression,
                $"ContainerLayerCompression '{value}' is not valid: use 'gzip' (the default, read by every engine) or 'zstd' (smaller and faster; Docker 20.10 cannot read it).");
        }

        public static string MediaType(string compression) =>
            compression == Zstd ? MediaTypes.OciLayerZstd : MediaTypes.OciLayerGzip;

        /// <summary>
        /// gzip on .NET: block-parallel over the runtime's zlib, so the bytes depend on the .NET
        /// runtime running MSBuild (its zlib-ng build) and the CPU architecture; on .NET Framework
        /// the managed single-thread deflater. zstd: ZstdSharp's version.
        /// </summary>
        public static string Identity(string compression, int level)
        {
            if (compression == Zstd)
                return $"zstd/zstdsharp-{typeof(ZstdSharp.Compressor).Assembly.GetName().Version}/level{level}";
            if (ZlibBlock)
                return $"gzip/zlib-block-{BlockGzipStream.BlockSize}/level{level}/{RuntimeInformation.FrameworkDescription}/{RuntimeInformation.ProcessArchitecture}";
            return $"gzip/sharpziplib-{typeof(ICSharpCode.SharpZipLib.Zip.Compression.Deflater).Assembly.GetName().Version}/level{level}";
        }

        /// <summary>Opens the compressing stream; <see cref="Finish"/> it before disposing to complete it.</summary>
        public static Stream Open(Stream output, string compression, int level, int threads, CancellationToken cancellation = default)
        {
            if (compression == Zstd) return ZstdLayerStream.Open(output, level, threads);
            if (ZlibBlock) return new BlockGzipStream(output, level, threads, cancellation);
            return new ManagedGzipStream(output, level);
        }

        /// <summary>Writes what the format needs at the end (trailer, final frame).</summary>
        public static void Finish(Stream compressor)
        {
            switch (compressor)
            {
                case BlockGzipStream block: block.Finish(); break;
                case ManagedGzipStream managed: managed.Finish(); break;
                default: compressor.Dispose(); break;
            }
        }

        private static bool ZlibBlock => ZlibBlockDeflater.IsSupported;
    }
}
