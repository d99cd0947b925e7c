using System;
using System.IO;
using OciMsBuild.Core.Streams;

namespace OciMsBuild.Core.Layers
{
    /// <summary>Writes every byte to two streams: the blob store's file, and a second reader (an upload) of the same bytes.</summary>
    internal sealed class TeeStream : WriteOnlyStream
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
    }
}
