using System;
using System.IO;
using ICSharpCode.SharpZipLib.Checksum;
using ICSharpCode.SharpZipLib.Zip.Compression;
using ICSharpCode.SharpZipLib.Zip.Compression.Streams;
using OciMsBuild.Core.Streams;

namespace OciMsBuild.Core.Compression
{
    /// <summary>
    /// gzip with a fixed header (no name, mtime 0, OS unknown) over SharpZipLib's managed
    /// deflater, on one thread. Used where <see cref="BlockGzipStream"/> cannot be: on .NET
    /// Framework (Visual Studio's MSBuild), whose DeflateStream cannot end a block with a sync flush.
    /// </summary>
    public sealed class ManagedGzipStream : WriteOnlyStream
    {
        private static readonly byte[] Header = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
        private readonly Stream _out;
        private readonly DeflaterOutputStream _deflate;
        private readonly Crc32 _crc = new Crc32();
        private long _length;
        private bool _finished;

        public ManagedGzipStream(Stream output, int level = 6)
        {
            _out = output;
            _out.Write(Header, 0, Header.Length);
            _deflate = new DeflaterOutputStream(output, new Deflater(level, noZlibHeaderOrFooter: true), 1 << 16)
            {
                IsStreamOwner = false,
            };
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _crc.Update(new ArraySegment<byte>(buffer, offset, count));
            _length += count;
            _deflate.Write(buffer, offset, count);
        }

        /// <summary>Flushes the deflate stream and writes the CRC32/ISIZE trailer.</summary>
        public void Finish()
        {
            if (_finished) return;
            _finished = true;
            _deflate.Finish();
            var trailer = new byte[8];
            WriteLittleEndian(trailer, 0, (uint)_crc.Value);
            WriteLittleEndian(trailer, 4, (uint)(_length & 0xFFFFFFFF));
            _out.Write(trailer, 0, 8);
        }

        private static void WriteLittleEndian(byte[] b, int at, uint v)
        {
            b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); b[at + 2] = (byte)(v >> 16); b[at + 3] = (byte)(v >> 24);
        }


        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Finish();
                _deflate.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
