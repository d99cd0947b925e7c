using System;
using System.IO;
using System.Text;
using System.Globalization;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// The bytes one build sent to registries, summed over every task that uploads: layers streamed
    /// while they were packed, the runtime layer uploaded ahead, and the push (with its SBOM and
    /// provenance). Those run in different tasks and, for a multi-platform image, in different
    /// MSBuild nodes, so the tally is a folder of the build's own (named by an id the outer build
    /// makes and hands to its per-RID builds) in the project's work folder: one small file per
    /// upload (no two writers ever share a file, so nothing needs a lock), summed by the report
    /// line at the end. No reset has to run first, so no build path can skip it.
    /// </summary>
    public static class UploadLedger
    {
        public const string FolderName = "uploaded-bytes";

        /// <summary>
        /// Removes the tallies of earlier builds beside <paramref name="folder"/>: those untouched for
        /// <paramref name="olderThan"/> (a build of the same project running now keeps its own).
        /// </summary>
        public static void RemoveOldTallies(string folder, TimeSpan olderThan)
        {
            try
            {
                var parent = Path.GetDirectoryName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
                if (parent == null || !Directory.Exists(parent)) return;
                var own = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
                foreach (var other in Directory.GetDirectories(parent))
                    if (!string.Equals(Path.GetFullPath(other), own, StringComparison.Ordinal) && Directory.GetLastWriteTimeUtc(other) < DateTime.UtcNow - olderThan)
                        Directory.Delete(other, recursive: true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        /// <summary>Records "BYTES WHAT". The tally is only reported: a folder that cannot be written costs a build nothing.</summary>
        public static void Record(string? folder, long bytes, string what)
        {
            if (string.IsNullOrEmpty(folder) || bytes <= 0) return;
            try
            {
                Directory.CreateDirectory(folder!);
                var text = bytes.ToString(CultureInfo.InvariantCulture) + " " + what.Replace('\n', ' ');
                File.WriteAllText(Path.Combine(folder!, Guid.NewGuid().ToString("N") + ".txt"), text, new UTF8Encoding(false));
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        /// <summary>The sum of the recorded uploads; 0 when nothing was recorded.</summary>
        public static long Total(string? folder)
        {
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return 0;
            long total = 0;
            string[] files;
            try { files = Directory.GetFiles(folder!, "*.txt"); }
            catch (IOException) { return 0; }
            catch (UnauthorizedAccessException) { return 0; }
            foreach (var file in files)
            {
                string text;
                try { text = File.ReadAllText(file); }
                catch (IOException) { continue; }
                var space = text.IndexOf(' ');
                if (space > 0 && long.TryParse(text.Substring(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
                    total += bytes;
            }
            return total;
        }

        /// <summary>'12.3 MB uploaded', '51.2 KB uploaded' or 'nothing uploaded', for the report line.</summary>
        public static string Describe(long bytes) =>
            bytes <= 0 ? "nothing uploaded"
            : bytes < 1048576 ? (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB uploaded"
            : (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB uploaded";
    }
}
