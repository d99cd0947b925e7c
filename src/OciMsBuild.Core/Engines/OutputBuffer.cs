using System;
using System.IO;
using System.Text;

namespace OciMsBuild.Core.Engines
{
    /// <summary>
    /// A bounded copy of what a process writes on one stream: the first <c>limit</c> bytes (stdout:
    /// the start is what a check matches) or the last ones (stderr: the error is at the end). A chatty
    /// container can write gigabytes; we keep at most <c>limit</c> bytes and count the rest.
    /// </summary>
    internal sealed class OutputBuffer
    {
        private readonly int _limit;
        private readonly bool _keepTail;
        private readonly object _gate = new object();
        private byte[] _data = new byte[0];
        private int _length;

        public OutputBuffer(int limit, bool keepTail)
        {
            _limit = limit;
            _keepTail = keepTail;
        }

        public long TotalBytes { get; private set; }

        public bool Truncated { get { lock (_gate) return TotalBytes > _length; } }

        /// <summary>Reads <paramref name="source"/> to its end (or until the pipe breaks) into the buffer.</summary>
        public void Pump(Stream source)
        {
            var chunk = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = source.Read(chunk, 0, chunk.Length)) > 0) Append(chunk, read);
            }
            catch (IOException)
            {
                // The process was killed or closed the pipe: what arrived is all there is.
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private void Append(byte[] chunk, int count)
        {
            lock (_gate)
            {
                TotalBytes += count;
                if (!_keepTail)
                {
                    int take = Math.Min(count, _limit - _length);
                    if (take > 0) Write(chunk, 0, take);
                    return;
                }
                if (count >= _limit)
                {
                    _length = 0;
                    Write(chunk, count - _limit, _limit);
                    return;
                }
                int overflow = _length + count - _limit;
                if (overflow > 0)
                {
                    Buffer.BlockCopy(_data, overflow, _data, 0, _length - overflow);
                    _length -= overflow;
                }
                Write(chunk, 0, count);
            }
        }

        private void Write(byte[] chunk, int offset, int count)
        {
            if (_length + count > _data.Length)
                Array.Resize(ref _data, Math.Min(_limit, Math.Max(_length + count, _data.Length * 2)));
            Buffer.BlockCopy(chunk, offset, _data, _length, count);
            _length += count;
        }

        public override string ToString()
        {
            lock (_gate)
            {
                int start = 0;
                // A tail cut may start inside a UTF-8 sequence: skip its continuation bytes.
                if (_keepTail && Truncated)
                    while (start < _length && start < 3 && (_data[start] & 0xC0) == 0x80) start++;
                return new UTF8Encoding(false).GetString(_data, start, _length - start);
            }
        }
    }
}
