using System;
using System.IO;
using System.Text;
using System.Threading;
using ICSharpCode.SharpZipLib.Tar;
using OciMsBuild.Core.Errors;

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
        private int _uid;
        private int _gid;
        private readonly byte[] _header = new byte[Block];
        private readonly byte[] _copyBuffer = new byte[1 << 16];

        public DeterministicTarWriter(Stream output, DateTime mtimeUtc, int uid, int gid)
        {
            _out = output;
            _mtime = DateTime.SpecifyKind(mtimeUtc, DateTimeKind.Unspecified);
            _uid = uid;
            _gid = gid;
        }

        /// <summary>The owner of the entries written from now on (a run layer keeps what the commands set).</summary>
        public void SetOwner(int uid, int gid)
        {
            _uid = uid;
            _gid = gid;
        }

        public void WriteDirectory(string path, int mode) => WriteHeader(path, TarHeader.LF_DIR, mode, 0);

        /// <summary>
        /// Copies a file in. <paramref name="cancellation"/> is checked between 64 KiB blocks, so
        /// Ctrl-C stops a large file within milliseconds instead of after the whole layer.
        /// </summary>
        public void WriteFile(string path, int mode, string sourcePath, CancellationToken cancellation = default)
        {
            cancellation.ThrowIfCancellationRequested();
            FileStream source;
            try { source = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new OciException(ErrorCodes.PublishFileChanged, $"'{sourcePath}' disappeared before it could be packed: was it deleted by another build? Build again.", e);
            }
            using (source)
            {
                long size = source.Length;
                WriteHeader(path, TarHeader.LF_NORMAL, mode, size);
                long copied = 0;
                int n;
                while ((n = source.Read(_copyBuffer, 0, _copyBuffer.Length)) > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (copied + n > size) throw Changed(sourcePath, "grew");
                    _out.Write(_copyBuffer, 0, n);
                    copied += n;
                }
                if (copied != size) throw Changed(sourcePath, "shrank");
                Pad(size);
            }
        }

        private static OciException Changed(string sourcePath, string how) =>
            new OciException(ErrorCodes.PublishFileChanged, $"'{sourcePath}' {how} while it was being packed: something is still writing to it. Build again once it is done.");

        /// <summary>A symbolic link entry (mode as given, size 0, the target in the link name field).</summary>
        public void WriteSymlink(string path, int mode, string target) => WriteHeader(path, TarHeader.LF_SYMLINK, mode, 0, target);

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

        private void WriteHeader(string name, byte typeFlag, int mode, long size, string linkName = "")
        {
            // GNU long link name and long name: pseudo-entries "././@LongLink" whose data is the full text.
            linkName = WriteLong(linkName, TarHeader.LF_GNU_LONGLINK);
            name = WriteLong(name, TarHeader.LF_GNU_LONGNAME);
            var header = NewHeader(name, typeFlag, mode, size);
            header.LinkName = linkName;
            Emit(header);
        }

        private string WriteLong(string text, byte typeFlag)
        {
            var bytes = NameEncoding.GetByteCount(text);
            if (bytes <= TarHeader.NAMELEN) return text;
            var data = new byte[bytes + 1];
            NameEncoding.GetBytes(text, 0, text.Length, data, 0);
            Emit(NewHeader("././@LongLink", typeFlag, 0, data.Length));
            _out.Write(data, 0, data.Length);
            Pad(data.Length);
            return TruncateToBytes(text, TarHeader.NAMELEN);
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
