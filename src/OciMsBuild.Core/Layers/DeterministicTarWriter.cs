using System;
using System.IO;
using System.Text;
using ICSharpCode.SharpZipLib.Tar;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Writes a GNU-format tar whose bytes depend only on the entries given: fixed mtime,
    /// fixed uid/gid, no user or group names, no PAX records. SharpZipLib encodes each 512-byte
    /// header; this class owns the block layout so that nothing (clock, user) leaks in.
    /// </summary>
    public sealed class DeterministicTarWriter
    {
        private const int Block = 512;
        private static readonly Encoding NameEncoding = new UTF8Encoding(false);
        private readonly Stream _out;
        private readonly DateTime _mtime;
        private readonly int _uid;
        private readonly int _gid;
        private readonly byte[] _header = new byte[Block];
        private readonly byte[] _copyBuffer = new byte[1 << 16];

        public DeterministicTarWriter(Stream output, DateTime mtimeUtc, int uid, int gid)
        {
            _out = output;
            _mtime = DateTime.SpecifyKind(mtimeUtc, DateTimeKind.Unspecified);
            _uid = uid;
            _gid = gid;
        }

        public void WriteDirectory(string path, int mode) => WriteHeader(path, TarHeader.LF_DIR, mode, 0);

        public void WriteFile(string path, int mode, string sourcePath)
        {
            using var source = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            long size = source.Length;
            WriteHeader(path, TarHeader.LF_NORMAL, mode, size);
            long copied = 0;
            int n;
            while ((n = source.Read(_copyBuffer, 0, _copyBuffer.Length)) > 0)
            {
                if (copied + n > size) throw new IOException($"'{sourcePath}' grew while it was being packed.");
                _out.Write(_copyBuffer, 0, n);
                copied += n;
            }
            if (copied != size) throw new IOException($"'{sourcePath}' shrank while it was being packed.");
            Pad(size);
        }

        public void WriteBytes(string path, int mode, byte[] bytes)
        {
            WriteHeader(path, TarHeader.LF_NORMAL, mode, bytes.Length);
            _out.Write(bytes, 0, bytes.Length);
            Pad(bytes.Length);
        }

        /// <summary>The end-of-archive marker: two zero blocks.</summary>
        public void Finish()
        {
            Array.Clear(_header, 0, Block);
            _out.Write(_header, 0, Block);
            _out.Write(_header, 0, Block);
        }

        private void WriteHeader(string name, byte typeFlag, int mode, long size)
        {
            var nameBytes = NameEncoding.GetByteCount(name);
            if (nameBytes > TarHeader.NAMELEN)
            {
                // GNU long name: a pseudo-entry "././@LongLink" whose data is the full name.
                var data = new byte[nameBytes + 1];
                NameEncoding.GetBytes(name, 0, name.Length, data, 0);
                Emit(NewHeader("././@LongLink", TarHeader.LF_GNU_LONGNAME, 0, data.Length));
                _out.Write(data, 0, data.Length);
                Pad(data.Length);
                name = TruncateToBytes(name, TarHeader.NAMELEN);
            }
            Emit(NewHeader(name, typeFlag, mode, size));
        }

        private TarHeader NewHeader(string name, byte typeFlag, int mode, long size) => new TarHeader
        {
            Name = name,
            TypeFlag = typeFlag,
            Mode = mode,
            Size = size,
            ModTime = _mtime,
            UserId = _uid,
            GroupId = _gid,
            UserName = "",
            GroupName = "",
            LinkName = "",
            Magic = "ustar ",
            Version = " ",
        };

        private void Emit(TarHeader header)
        {
            header.WriteHeader(_header, NameEncoding);
            _out.Write(_header, 0, Block);
        }

        private void Pad(long size)
        {
            int rest = (int)(size % Block);
            if (rest == 0) return;
            Array.Clear(_header, 0, Block);
            _out.Write(_header, 0, Block - rest);
        }

        private static string TruncateToBytes(string s, int maxBytes)
        {
            while (NameEncoding.GetByteCount(s) > maxBytes) s = s.Substring(0, s.Length - 1);
            return s;
        }
    }
}
