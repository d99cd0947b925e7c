using System;
using System.IO;
using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OciMsBuild.Core.Compression
{
    /// <summary>
    /// Compresses one block into raw deflate ending in a sync flush (an empty stored block), so
    /// blocks compressed apart can be concatenated into one deflate stream. Each block gets a new
    /// compressor with no history: its bytes depend on the block alone, never on the thread or
    /// on the blocks around it. Uses the runtime's zlib (zlib-ng inside .NET), through .NET's
    /// DeflateStream, whose Flush() is a zlib sync flush on .NET (Core) but not on .NET Framework.
    /// </summary>
    internal sealed class ZlibBlockDeflater
    {
        private readonly Func<Stream, Stream> _open;

        public ZlibBlockDeflater(int level)
        {
            _open = OpenerFor(level);
        }

        /// <summary>True where DeflateStream.Flush() is a sync flush: .NET (Core) 3.0 and later.</summary>
        public static bool IsSupported { get; } =
            !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        /// <summary>The deflate bytes of <paramref name="count"/> bytes, without a final block.</summary>
        public ArraySegment<byte> Compress(byte[] block, int count, MemoryStream output)
        {
            output.SetLength(0);
            using (var deflate = _open(output))
            {
                deflate.Write(block, 0, count);
                deflate.Flush();
                var flushedLength = (int)output.Length;
                // Disposing adds the final block, which must come only once, after the last block.
                deflate.Dispose();
                return new ArraySegment<byte>(output.GetBuffer(), 0, flushedLength);
            }
        }

        /// <summary>
        /// .NET 9 and later take an exact zlib level (ZLibCompressionOptions); this assembly targets
        /// netstandard2.0, so that constructor is found by reflection. Older runtimes get the
        /// nearest of the three named levels.
        /// </summary>
        private static Func<Stream, Stream> OpenerFor(int level)
        {
            var optionsType = typeof(DeflateStream).Assembly.GetType("System.IO.Compression.ZLibCompressionOptions", false);
            var constructor = optionsType == null ? null : typeof(DeflateStream).GetConstructor(new[] { typeof(Stream), optionsType, typeof(bool) });
            var levelProperty = optionsType?.GetProperty("CompressionLevel", BindingFlags.Public | BindingFlags.Instance);
            if (constructor != null && levelProperty != null)
            {
                return output =>
                {
                    var options = Activator.CreateInstance(optionsType!);
                    levelProperty.SetValue(options, level);
                    return (Stream)constructor.Invoke(new object[] { output, options!, true });
                };
            }
            var named = level == 0 ? CompressionLevel.NoCompression : level <= 3 ? CompressionLevel.Fastest : CompressionLevel.Optimal;
            return output => new DeflateStream(output, named, leaveOpen: true);
        }
    }
}
