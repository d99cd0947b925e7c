using System;
using System.IO;

namespace OciMsBuild.Core.Layers
{
    /// <summary>Writes every byte to two streams: the blob store's file, and a second reader (an upload) of the same bytes.</summary>
    internal sealed class TeeStream : Stream
    {
        private readonly Stream _first;
        private readonly Stream _second;

        public TeeStream(Stream first, Stream second)
        {
            _first = first;
            _second = second;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _first.Write(buffer, offset, count);
            _second.Write(buffer, offset, count);
        }

        public override void Flush() => _first.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _first.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
