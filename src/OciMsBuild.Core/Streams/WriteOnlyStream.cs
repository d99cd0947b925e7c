using System;
using System.IO;

namespace OciMsBuild.Core.Streams
{
    /// <summary>
    /// Base of the forward-only streams that bytes are pushed through (compressors, tees, uploads):
    /// only Write is theirs to implement; reading and seeking are refused in one place.
    /// </summary>
    public abstract class WriteOnlyStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override void Flush() { }
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
