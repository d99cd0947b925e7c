using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// Paces one body to a byte rate (a slow link): bytes move in small pieces, and after each piece
    /// the mover waits until the bytes so far are due. Used by <see cref="Fault.Throttle"/>.
    /// </summary>
    internal sealed class ByteRate
    {
        /// <summary>Bytes per piece: small, so progress is smooth even at low rates.</summary>
        public const int Piece = 16 * 1024;

        private readonly long _bytesPerSecond;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _bytes;

        public ByteRate(long bytesPerSecond)
        {
            if (bytesPerSecond < 1) throw new ArgumentOutOfRangeException(nameof(bytesPerSecond));
            _bytesPerSecond = bytesPerSecond;
        }

        /// <summary>Counts <paramref name="n"/> more bytes and waits until they are due.</summary>
        public async Task PaceAsync(int n, CancellationToken ct)
        {
            var bytes = Interlocked.Add(ref _bytes, n);
            var wait = TimeSpan.FromSeconds((double)bytes / _bytesPerSecond) - _clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
        }

        /// <summary>A request body read at this rate (at most a piece per read).</summary>
        public Stream Reading(Stream inner) => new PacedReadStream(inner, this);

        private sealed class PacedReadStream : Stream
        {
            private readonly Stream _inner;
            private readonly ByteRate _rate;

            public PacedReadStream(Stream inner, ByteRate rate)
            {
                _inner = inner;
                _rate = rate;
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) =>
                ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

            public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                var n = await _inner.ReadAsync(buffer.Slice(0, Math.Min(buffer.Length, Piece)), cancellationToken);
                if (n > 0) await _rate.PaceAsync(n, cancellationToken);
                return n;
            }

            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
