using System.IO;
using System.Text;

namespace OciMsBuild.Core.Output
{
    /// <summary>Small state files: written whole or not at all.</summary>
    public static class AtomicFile
    {
        public static void WriteAllText(string path, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temp = path + ".tmp";
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            if (File.Exists(path)) File.Delete(path);
            File.Move(temp, path);
        }

        /// <summary>Writes only when the content differs, so MSBuild sees an unchanged timestamp.</summary>
        public static bool WriteIfChanged(string path, string text)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) return false;
            WriteAllText(path, text);
            return true;
        }
    }
}
