using System;
using System.IO;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace OciMsBuild.Core.Compression
{
    /// <summary>
    /// One zstd frame over ZstdSharp (a managed port of the reference library). zstd's own
    /// multithreaded mode cuts the input into jobs of a size set by the level, never by the
    /// worker count, so any number of workers (at least one) gives the same bytes.
    /// </summary>
    internal static class ZstdLayerStream
    {
        public static Stream Open(Stream output, int level, int threads)
        {
            var stream = new CompressionStream(output, level, leaveOpen: true);
            // Each worker holds a job of several MiB (more at high levels): a few are enough to keep up.
            stream.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Min(4, Math.Max(1, threads)));
            stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            return stream;
        }
    }
}
