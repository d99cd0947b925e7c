using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>A read-only pass-through stream that reports every byte read (request bodies through the proxies).</summary>
    internal sealed class CountingStream : Stream
    {
        private readonly Stream _inner;
        private readonly Action<long> _onRead;

        public CountingStream(Stream inner, Action<long> onRead)
        {
            _inner = inner;
            _onRead = onRead;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(_inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Counted(await _inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await _inner.ReadAsync(buffer, cancellationToken));

        private int Counted(int n)
        {
            if (n > 0) _onRead(n);
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
