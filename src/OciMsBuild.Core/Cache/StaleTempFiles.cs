using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// Removes the temp files and folders a killed build (SIGKILL, power loss) left in our own temp
    /// places: the blob store's tmp/ and the "NAME.tmp-HEX" / "NAME.old-HEX" siblings of an
    /// output. (A bare "NAME.tmp" is never touched: it may be the user's.) Only names we generate are touched, never through a link, and never what a build that is
    /// still running may be writing:
    /// <list type="bullet">
    /// <item>a file goes when it was last written at least <see cref="FileIdle"/> ago AND nobody holds it
    /// open: our writers keep their temp file open with FileShare.None (an flock on Unix) while writing, and
    /// between closing and renaming it there are microseconds, not a minute;</item>
    /// <item>a folder (a layout being assembled) cannot be locked, so it goes only when nothing in it was
    /// written for <see cref="DirectoryIdle"/>: a live writer copies a blob into it every few seconds at
    /// worst.</item>
    /// </list>
    /// Every failure is ignored: cleaning is a courtesy and must never fail a build.
    /// </summary>
    public static class StaleTempFiles
    {
        public static readonly TimeSpan FileIdle = TimeSpan.FromMinutes(1);
        public static readonly TimeSpan DirectoryIdle = TimeSpan.FromHours(1);

        private static readonly Regex BlobTemp = new Regex("^(?:[0-9a-f]{32}\\.tmp|extract-[0-9a-f]{32})$", RegexOptions.CultureInvariant);

        /// <summary>The blob store's temp folder: "HEX.tmp" files of interrupted downloads and packs, "extract-HEX" folders of unpacked base archives.</summary>
        public static int CleanBlobStoreTemp(string tempDirectory, DateTime? nowUtc = null) =>
            Clean(tempDirectory, BlobTemp, nowUtc ?? DateTime.UtcNow);

        /// <summary>
        /// The temp siblings of an output file or folder <paramref name="path"/>: "NAME.tmp-HEX" (file being
        /// written, layout being assembled) and "NAME.old-HEX" (layout being replaced).
        /// </summary>
        public static int CleanBeside(string path, DateTime? nowUtc = null)
        {
            try
            {
                var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                var name = Path.GetFileName(full);
                var parent = Path.GetDirectoryName(full);
                if (string.IsNullOrEmpty(name) || parent == null) return 0;
                var pattern = new Regex("^" + Regex.Escape(name) + "\\.(?:tmp|old)-[0-9a-f]{32}$", RegexOptions.CultureInvariant);
                return Clean(parent, pattern, nowUtc ?? DateTime.UtcNow);
            }
            catch (Exception e) when (IsIgnorable(e))
            {
                return 0;
            }
        }

        private static int Clean(string directory, Regex pattern, DateTime nowUtc)
        {
            int removed = 0;
            try
            {
                if (!Directory.Exists(directory)) return 0;
                foreach (var path in Directory.EnumerateFileSystemEntries(directory).ToList())
                {
                    if (!pattern.IsMatch(Path.GetFileName(path))) continue;
                    try
                    {
                        if (TryRemove(path, nowUtc)) removed++;
                    }
                    catch (Exception e) when (IsIgnorable(e)) { }
                }
            }
            catch (Exception e) when (IsIgnorable(e)) { }
            return removed;
        }

        private static bool TryRemove(string path, DateTime nowUtc)
        {
            switch (FileSystemQuery.KindOf(path))
            {
                case PathKind.Regular:
                    if (nowUtc - File.GetLastWriteTimeUtc(path) < FileIdle || IsHeldOpen(path)) return false;
                    File.Delete(path);
                    return true;
                case PathKind.Directory:
                    if (nowUtc - NewestWrite(path) < DirectoryIdle) return false;
                    Directory.Delete(path, recursive: true);
                    return true;
                default:
                    return false; // links, FIFOs...: not something we made
            }
        }

        /// <summary>Whether a writer still has the file open (it opened it with FileShare.None).</summary>
        private static bool IsHeldOpen(string path)
        {
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, 1)) return false;
            }
            catch (IOException) { return true; }
            catch (UnauthorizedAccessException) { return true; }
        }

        private static DateTime NewestWrite(string directory)
        {
            var newest = Directory.GetLastWriteTimeUtc(directory);
            foreach (var entry in Directory.EnumerateFileSystemEntries(directory, "*", SearchOption.AllDirectories))
            {
                var written = File.GetLastWriteTimeUtc(entry);
                if (written > newest) newest = written;
            }
            return newest;
        }

        private static bool IsIgnorable(Exception e) => e is IOException || e is UnauthorizedAccessException || e is ArgumentException || e is NotSupportedException;
    }
}
