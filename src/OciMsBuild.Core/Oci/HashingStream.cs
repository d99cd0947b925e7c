using System;
using System.IO;
using System.Security.Cryptography;

namespace OciMsBuild.Core.Oci
{
    /// <summary>
    /// A write-through stream that hashes and counts what passes, so a layer's diff_id
    /// (uncompressed) and digest (compressed) come out of one streaming pass.
    /// </summary>
    public sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly bool _leaveOpen;

        public HashingStream(Stream inner, bool leaveOpen = false)
        {
            _inner = inner;
            _leaveOpen = leaveOpen;
        }

        public long ByteCount { get; private set; }

        public string FinishDigest() => Digest.Format(_hash.GetHashAndReset());

        public override void Write(byte[] buffer, int offset, int count)
        {
            _hash.AppendData(buffer, offset, count);
            ByteCount += count;
            _inner.Write(buffer, offset, count);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = _inner.Read(buffer, offset, count);
            if (n > 0)
            {
                _hash.AppendData(buffer, offset, n);
                ByteCount += n;
            }
            return n;
        }

        public override void Flush() => _inner.Flush();
        public override bool CanRead => _inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => _inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => ByteCount; set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                if (!_leaveOpen) _inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
