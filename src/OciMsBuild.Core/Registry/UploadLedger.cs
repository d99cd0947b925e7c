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
    /// MSBuild nodes, so the tally is a folder in the project's work folder: emptied when the build
    /// starts, one small file per upload (no two writers ever share a file, so nothing needs a
    /// lock), summed by the report line at the end.
    /// </summary>
    public static class UploadLedger
    {
        public const string FolderName = "uploaded-bytes";

        public static void Reset(string folder)
        {
            try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
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
            foreach (var file in Directory.EnumerateFiles(folder!, "*.txt"))
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
