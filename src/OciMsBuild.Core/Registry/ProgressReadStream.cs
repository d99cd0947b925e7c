using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// A request body that says how far it has been read (≈ sent: HttpClient reads it as it writes to
    /// the connection), so one large PUT or PATCH reports progress while it is under way. Seekable when
    /// the inner stream is (HttpClient rewinds a body it has to send again); a rewind counts again from where it went.
    /// </summary>
    internal sealed class ProgressReadStream : Stream
    {
        private readonly Stream _inner;
        private readonly Action<long> _progress;
        private long _read;

        public ProgressReadStream(Stream inner, Action<long> progress)
        {
            _inner = inner;
            _progress = progress;
        }

        public override bool CanRead => true;
        public override bool CanSeek => _inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => _inner.Length;

        public override long Position
        {
            get => _inner.Position;
            set => Seek(value, SeekOrigin.Begin);
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        private int Count(int n)
        {
            if (n > 0)
            {
                _read += n;
                _progress(_read);
            }
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var position = _inner.Seek(offset, origin);
            _read = position;
            return position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
