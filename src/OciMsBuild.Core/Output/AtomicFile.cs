using System;
using System.IO;
using System.Text;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Small files written whole or not at all: the text goes to a uniquely named temp file beside
    /// the target (so two builds never share one) and is renamed over it; a failure removes the temp.
    /// </summary>
    public static class AtomicFile
    {
        /// <summary>Temp files are named PATH.tmp-32HEX: the stale-temp cleanup recognises them by that.</summary>
        public static string TempPathFor(string path) => path + ".tmp-" + Guid.NewGuid().ToString("N");

        public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

        public static void WriteAllBytes(string path, byte[] bytes)
        {
            path = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = TempPathFor(path);
            try
            {
                File.WriteAllBytes(temp, bytes);
                ReplaceWith(temp, path);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        /// <summary>
        /// Renames a finished temp file over the target in one step where the target exists. Another
        /// build may create or remove the target between the check and the rename (two platforms of
        /// one image recording the same base tag at once): the other way is then tried, a few times.
        /// </summary>
        public static void ReplaceWith(string temp, string path)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    if (File.Exists(path)) File.Replace(temp, path, null);
                    else File.Move(temp, path);
                    return;
                }
                catch (Exception e) when (attempt < 5 && (e is IOException || e is UnauthorizedAccessException) && File.Exists(temp))
                {
                    // Created (Move: "already exists") or removed (Replace: not found) by another build meanwhile.
                }
            }
        }

        /// <summary>Writes only when the content differs, so MSBuild sees an unchanged timestamp.</summary>
        public static bool WriteIfChanged(string path, string text)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) return false;
            WriteAllText(path, text);
            return true;
        }

        internal static void TryDelete(string file)
        {
            try { if (File.Exists(file)) File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
