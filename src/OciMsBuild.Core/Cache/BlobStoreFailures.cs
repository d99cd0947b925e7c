using System;
using System.IO;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// Turns a file-system failure under the blob store into a coded error that names the store
    /// and ContainerBlobCachePath: a full disk, a read-only or unwritable location, a file in the
    /// way. The store lives outside the project (often shared), so "where" is the useful part.
    /// </summary>
    public static class BlobStoreFailures
    {
        // errno (Unix: .NET puts the raw errno in HResult) and Win32 codes (in the low word of HResult).
        private const int Enospc = 28, EdquotLinux = 122, EdquotBsd = 69, Erofs = 30, Eacces = 13, Eperm = 1, Enotdir = 20;
        private const int ErrorDiskFull = 112, ErrorHandleDiskFull = 39, ErrorAccessDenied = 5, ErrorWriteProtect = 19;

        /// <summary>True for exceptions this class translates (what a caller should catch and pass to <see cref="Translate"/>).</summary>
        public static bool IsFileSystemFailure(Exception e) => e is IOException || e is UnauthorizedAccessException;

        public static bool IsDiskFull(Exception e)
        {
            if (!(e is IOException)) return false;
            return IsWin32(e, out var code)
                ? code == ErrorDiskFull || code == ErrorHandleDiskFull
                : code == Enospc || code == EdquotLinux || code == EdquotBsd;
        }

        private static bool IsNotWritable(Exception e)
        {
            if (e is UnauthorizedAccessException) return true;
            if (!(e is IOException)) return false;
            return IsWin32(e, out var code)
                ? code == ErrorAccessDenied || code == ErrorWriteProtect
                : code == Erofs || code == Eacces || code == Eperm;
        }

        /// <summary>Windows: HRESULT_FROM_WIN32 (0x8007xxxx); Unix: the errno itself.</summary>
        private static bool IsWin32(Exception e, out int code)
        {
            code = e.HResult & 0xFFFF;
            return (e.HResult & unchecked((int)0xFFFF0000)) == unchecked((int)0x80070000);
        }

        /// <summary>
        /// The coded error for <paramref name="e"/>, raised while <paramref name="doing"/> (e.g.
        /// "storing blob sha256:…") in the store at <paramref name="root"/>.
        /// </summary>
        public static OciException Translate(Exception e, string root, string doing)
        {
            if (e is OciException coded) return coded;
            var fileInTheWay = FileInTheWay(root);
            if (fileInTheWay != null || (!IsWin32(e, out var code) && code == Enotdir))
                return Unusable(root, fileInTheWay, e);
            if (IsDiskFull(e))
                return new OciException(ErrorCodes.BlobCacheFull,
                    $"The disk under the blob store at '{root}' (ContainerBlobCachePath) is full: {e.Message} (while {doing}). Nothing half-written was kept. Free space there, or set ContainerBlobCachePath to a directory on a disk with room.", e);
            if (IsNotWritable(e))
                return new OciException(ErrorCodes.BlobCacheUnusable,
                    $"The blob store at '{root}' (ContainerBlobCachePath) cannot be written: {e.Message} (while {doing}). Make it writable for this user, or set ContainerBlobCachePath to a writable directory.", e);
            return new OciException(ErrorCodes.BlobCacheWriteFailed,
                $"Writing to the blob store at '{root}' (ContainerBlobCachePath) failed: {e.Message} (while {doing}). Nothing half-written was kept; check the disk, or set ContainerBlobCachePath to another directory.", e);
        }

        /// <summary>OCI3015 when ContainerBlobCachePath is, or lies under, a file: checked before a build touches the store.</summary>
        public static void CheckLocation(string root)
        {
            var file = FileInTheWay(root);
            if (file != null) throw Unusable(root, file, null);
        }

        private static OciException Unusable(string root, string? file, Exception? e) =>
            new OciException(ErrorCodes.BlobCacheUnusable,
                $"ContainerBlobCachePath '{root}' cannot be used as the blob store: {(file == null ? e?.Message : file == root ? "it is a file, not a directory" : $"'{file}' on its path is a file, not a directory")}. Set ContainerBlobCachePath to a directory (it is created if missing), or leave it empty for the default.", e);

        /// <summary>The store root itself or its nearest existing ancestor, when that is a file.</summary>
        private static string? FileInTheWay(string root)
        {
            try
            {
                for (var path = Path.GetFullPath(root); !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
                {
                    if (Directory.Exists(path)) return null;
                    if (File.Exists(path)) return path;
                }
            }
            catch (Exception e) when (e is ArgumentException || e is IOException || e is NotSupportedException) { }
            return null;
        }
    }
}
