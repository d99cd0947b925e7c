using System;
using System.Globalization;
using System.IO;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Core.LayerCache
{
    /// <summary>
    /// What a file's metadata says about its content without reading it: size, mtime and, where the
    /// runtime can tell (Linux, macOS), ctime. Equal stamps are taken to mean equal content; ctime
    /// catches what size+mtime miss (a file replaced, or rewritten with its mtime put back).
    /// </summary>
    public readonly struct FileStamp : IEquatable<FileStamp>
    {
        public FileStamp(long size, long mtimeTicks, long? ctimeNanoseconds)
        {
            Size = size;
            MtimeTicks = mtimeTicks;
            CtimeNanoseconds = ctimeNanoseconds;
        }

        public long Size { get; }
        /// <summary>Last write time, UTC ticks.</summary>
        public long MtimeTicks { get; }
        /// <summary>Status-change time in ns since the epoch; null where not available.</summary>
        public long? CtimeNanoseconds { get; }

        /// <summary>The stamp of the file (following links, as reading it does); null when it does not exist.</summary>
        public static FileStamp? Of(string path)
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            var mtime = info.LastWriteTimeUtc;
            return new FileStamp(info.Length, mtime.Ticks, FileSystemQuery.ChangeTimeNanoseconds(path, info.Length, mtime));
        }

        /// <summary>
        /// Whether the file changed less than <paramref name="window"/> before <paramref name="moment"/>:
        /// a second write in the same timestamp tick (coarse on many file systems: 1 s on ext3/HFS+,
        /// 2 s on FAT) would then leave the stamp unchanged, so a hash taken now must not be trusted later.
        /// </summary>
        public bool IsRecent(DateTime momentUtc, TimeSpan window)
        {
            var limit = momentUtc.Ticks - window.Ticks;
            if (MtimeTicks >= limit) return true;
            return CtimeNanoseconds is long ctime && UnixEpochTicks + ctime / 100 >= limit;
        }

        private static readonly long UnixEpochTicks = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

        public override string ToString() =>
            Size.ToString(CultureInfo.InvariantCulture) + ":" + MtimeTicks.ToString(CultureInfo.InvariantCulture) + ":" +
            (CtimeNanoseconds is long c ? c.ToString(CultureInfo.InvariantCulture) : "-");

        public static FileStamp? Parse(string text)
        {
            var f = text.Split(':');
            if (f.Length != 3 ||
                !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ||
                !long.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mtime)) return null;
            if (f[2] == "-") return new FileStamp(size, mtime, null);
            if (!long.TryParse(f[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ctime)) return null;
            return new FileStamp(size, mtime, ctime);
        }

        public bool Equals(FileStamp other) => Size == other.Size && MtimeTicks == other.MtimeTicks && CtimeNanoseconds == other.CtimeNanoseconds;
        public override bool Equals(object? obj) => obj is FileStamp other && Equals(other);
        public override int GetHashCode() => unchecked((int)(Size * 31 + MtimeTicks * 17 + (CtimeNanoseconds ?? 0)));
        public static bool operator ==(FileStamp a, FileStamp b) => a.Equals(b);
        public static bool operator !=(FileStamp a, FileStamp b) => !a.Equals(b);
    }
}
