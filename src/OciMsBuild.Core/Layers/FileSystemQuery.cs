using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// lstat, readlink and realpath without opening anything: opening a FIFO blocks until a writer
    /// comes, so the type of a publish file must be known before it is read.
    /// <para>
    /// On Unix these go through libSystem.Native, the .NET runtime's own shim that System.IO itself
    /// uses (present in every .NET Core runtime): its FileStatus record and S_IF* values are the same
    /// on every architecture and C library, unlike libc's struct stat, and netstandard2.0 has no
    /// managed API that tells a FIFO, socket or device from a regular file (FileAttributes says
    /// "Normal" for all of them). Elsewhere (Windows, .NET Framework MSBuild) the managed
    /// attributes are enough: Windows has no FIFOs, sockets or devices in a folder.
    /// </para>
    /// </summary>
    public static class FileSystemQuery
    {
        private const string SystemNative = "libSystem.Native";
        private const int FileStatusSize = 512; // the runtime's FileStatus is ~130 bytes; room to grow
        private const int ModeOffset = 4;       // int32 Flags; int32 Mode; ... (pal_io.h)
        private const int TypeMask = 0xF000;
        // int64 Size, ATime, ATimeNsec, MTime, MTimeNsec, CTime, CTimeNsec: the same offsets in every
        // runtime since .NET Core 2.1 (fields after them moved: RDev was added before Ino).
        private const int SizeOffset = 16, MTimeOffset = 40, MTimeNsecOffset = 48, CTimeOffset = 56, CTimeNsecOffset = 64;

        [DllImport(SystemNative, EntryPoint = "SystemNative_LStat", SetLastError = true)]
        private static extern int NativeLStat(byte[] path, IntPtr status);

        [DllImport(SystemNative, EntryPoint = "SystemNative_Stat", SetLastError = true)]
        private static extern int NativeStat(byte[] path, IntPtr status);

        [DllImport(SystemNative, EntryPoint = "SystemNative_ReadLink", SetLastError = true)]
        private static extern int NativeReadLink(byte[] path, byte[] buffer, int bufferSize);

        [DllImport(SystemNative, EntryPoint = "SystemNative_RealPath", SetLastError = true)]
        private static extern IntPtr NativeRealPath(byte[] path);

        [DllImport(SystemNative, EntryPoint = "SystemNative_Free")]
        private static extern void NativeFree(IntPtr pointer);

        private static readonly Lazy<bool> NativeWorks = new Lazy<bool>(ProbeNative);

        /// <summary>True when the exact (lstat-based) answers are available; false on Windows.</summary>
        public static bool IsExact => NativeWorks.Value;

        /// <summary>Test hook: force the managed fallback to exercise it on Linux.</summary>
        internal static bool ForceManaged { get; set; }

        private static bool UseNative => NativeWorks.Value && !ForceManaged;

        /// <summary>What the path itself is (a link is <see cref="PathKind.Symlink"/>, whatever it points at).</summary>
        public static PathKind KindOf(string path) => UseNative ? NativeKind(path) : ManagedKind(path);

        /// <summary>The target text of a symbolic link, verbatim; null if the path is not a link.</summary>
        public static string? ReadLink(string path) => UseNative ? NativeReadLinkText(path) : ManagedReadLink(path);

        /// <summary>
        /// The path with every link resolved, as the kernel resolves it; null when it does not
        /// resolve, with <paramref name="loop"/> telling a loop (too many links) from a missing target.
        /// </summary>
        public static string? RealPath(string path, out bool loop) => UseNative ? NativeRealPathText(path, out loop) : ManagedRealPath(path, out loop);

        /// <summary>
        /// The status-change time (ctime) of what <paramref name="path"/> points at, in nanoseconds since
        /// the epoch; null where it is not available (Windows, .NET Framework) or the file is missing.
        /// ctime cannot be set from user space and changes with every write, rename-over, chmod and
        /// touch, so with size and mtime it tells a replaced file even when its mtime was put back.
        /// <paramref name="expectedSize"/> and <paramref name="expectedMtimeUtc"/> (from FileInfo) check
        /// the record layout on every call: if they disagree, the answer is null, never a wrong time.
        /// </summary>
        public static long? ChangeTimeNanoseconds(string path, long expectedSize, DateTime expectedMtimeUtc)
        {
            if (!UseNative) return null;
            var status = Marshal.AllocHGlobal(FileStatusSize);
            try
            {
                if (NativeStat(Utf8Z(path), status) != 0) return null;
                long size = Marshal.ReadInt64(status, SizeOffset);
                long mtimeTicks = Marshal.ReadInt64(status, MTimeOffset) * TimeSpan.TicksPerSecond + Marshal.ReadInt64(status, MTimeNsecOffset) / 100;
                if (size != expectedSize || mtimeTicks != expectedMtimeUtc.Ticks - UnixEpochTicks) return null;
                return Marshal.ReadInt64(status, CTimeOffset) * 1_000_000_000L + Marshal.ReadInt64(status, CTimeNsecOffset);
            }
            finally { Marshal.FreeHGlobal(status); }
        }

        private static readonly long UnixEpochTicks = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

        private static bool ProbeNative()
        {
            if (Path.DirectorySeparatorChar == '\\') return false;
            try
            {
                // Also checks the record layout: the root must come back as a directory.
                return NativeKind("/") == PathKind.Directory;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                return false;
            }
        }

        private static byte[] Utf8Z(string path)
        {
            var count = Encoding.UTF8.GetByteCount(path);
            var bytes = new byte[count + 1];
            Encoding.UTF8.GetBytes(path, 0, path.Length, bytes, 0);
            return bytes;
        }

        private static PathKind NativeKind(string path)
        {
            var status = Marshal.AllocHGlobal(FileStatusSize);
            try
            {
                if (NativeLStat(Utf8Z(path), status) != 0)
                {
                    var errno = Marshal.GetLastWin32Error();
                    if (errno == Errno.NoEntry || errno == Errno.NotDirectory) return PathKind.Missing;
                    throw new IOException($"Cannot examine '{path}' (lstat failed: {Errno.Describe(errno)}).");
                }
                switch (Marshal.ReadInt32(status, ModeOffset) & TypeMask)
                {
                    case 0x8000: return PathKind.Regular;
                    case 0x4000: return PathKind.Directory;
                    case 0xA000: return PathKind.Symlink;
                    case 0x1000: return PathKind.Fifo;
                    case 0xC000: return PathKind.Socket;
                    case 0x2000: return PathKind.CharacterDevice;
                    case 0x6000: return PathKind.BlockDevice;
                    default: return PathKind.Unknown;
                }
            }
            finally { Marshal.FreeHGlobal(status); }
        }

        private static string? NativeReadLinkText(string path)
        {
            for (int size = 256; ; size *= 4)
            {
                var buffer = new byte[size];
                var n = NativeReadLink(Utf8Z(path), buffer, size);
                if (n < 0) return null;
                if (n < size) return Encoding.UTF8.GetString(buffer, 0, n);
            }
        }

        private static string? NativeRealPathText(string path, out bool loop)
        {
            loop = false;
            var result = NativeRealPath(Utf8Z(path));
            if (result == IntPtr.Zero)
            {
                var errno = Marshal.GetLastWin32Error();
                loop = errno == Errno.Loop;
                if (loop || errno == Errno.NoEntry || errno == Errno.NotDirectory) return null;
                throw new IOException($"Cannot resolve '{path}' (realpath failed: {Errno.Describe(errno)}).");
            }
            try
            {
                int length = 0;
                while (Marshal.ReadByte(result, length) != 0) length++;
                var bytes = new byte[length];
                Marshal.Copy(result, bytes, 0, length);
                return Encoding.UTF8.GetString(bytes);
            }
            finally { NativeFree(result); }
        }

        private static PathKind ManagedKind(string path)
        {
            FileAttributes attributes;
            try { attributes = File.GetAttributes(path); }
            catch (FileNotFoundException) { return PathKind.Missing; }
            catch (DirectoryNotFoundException) { return PathKind.Missing; }
            if ((attributes & FileAttributes.ReparsePoint) != 0) return PathKind.Symlink;
            if ((attributes & FileAttributes.Directory) != 0) return PathKind.Directory;
            if ((attributes & FileAttributes.Device) != 0) return PathKind.CharacterDevice;
            return PathKind.Regular;
        }

        // FileSystemInfo.LinkTarget exists from .NET 6 on; netstandard2.0 cannot name it.
        private static readonly PropertyInfo? LinkTargetProperty = typeof(FileSystemInfo).GetProperty("LinkTarget");

        private static string? ManagedReadLink(string path)
        {
            if (LinkTargetProperty == null) return null;
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : (FileSystemInfo)new FileInfo(path);
            return (string?)LinkTargetProperty.GetValue(info);
        }

        /// <summary>Follows the link chain of the last component (at most 40 links, as Linux does).</summary>
        private static string? ManagedRealPath(string path, out bool loop)
        {
            loop = false;
            var current = Path.GetFullPath(path);
            for (int hops = 0; hops <= 40; hops++)
            {
                var kind = ManagedKind(current);
                if (kind == PathKind.Missing) return null;
                if (kind != PathKind.Symlink) return current;
                var target = ManagedReadLink(current);
                if (target == null) return null;
                current = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, target));
            }
            loop = true;
            return null;
        }

        /// <summary>The few errno values we tell apart (Linux numbering; macOS differs only for ELOOP).</summary>
        private static class Errno
        {
            public const int NoEntry = 2;       // ENOENT
            public const int NotDirectory = 20; // ENOTDIR
            public static readonly int Loop = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? 62 : 40; // ELOOP

            public static string Describe(int errno) => errno == 13 ? "permission denied" : "errno " + errno;
        }
    }
}
