using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Full-path comparisons with the file system's case rules: ordinal on Linux, without case on
    /// Windows and macOS (whose default volumes ignore case).
    /// </summary>
    public static class PathComparison
    {
        public static StringComparison Rule { get; } =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
                ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        /// <summary>The absolute path with no trailing separator (but "/" stays "/").</summary>
        public static string Normalize(string path)
        {
            var full = Path.GetFullPath(path);
            var root = Path.GetPathRoot(full) ?? "";
            return full.Length > root.Length ? full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : full;
        }

        /// <summary>
        /// The path as the kernel sees it: links in its deepest existing ancestor resolved, so two
        /// spellings of one file (a symlinked folder, /var vs /private/var) compare equal.
        /// </summary>
        public static string Canonical(string path)
        {
            var full = Normalize(path);
            var existing = full;
            var rest = "";
            while (Layers.FileSystemQuery.KindOf(existing) == Layers.PathKind.Missing)
            {
                var parent = Path.GetDirectoryName(existing);
                if (string.IsNullOrEmpty(parent)) return full;
                rest = rest.Length == 0 ? Path.GetFileName(existing) : Path.Combine(Path.GetFileName(existing), rest);
                existing = parent!;
            }
            string? real;
            try { real = Layers.FileSystemQuery.RealPath(existing, out _); }
            catch (IOException) { real = null; }
            if (real == null) return full;
            return Normalize(rest.Length == 0 ? real : Path.Combine(real, rest));
        }

        public static bool Same(string a, string b) => string.Equals(Normalize(a), Normalize(b), Rule);

        /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> itself or lies anywhere below it.</summary>
        public static bool IsSameOrInside(string inner, string outer)
        {
            var i = Normalize(inner);
            var o = Normalize(outer);
            if (string.Equals(i, o, Rule)) return true;
            var prefix = o.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? o : o + Path.DirectorySeparatorChar;
            return i.StartsWith(prefix, Rule);
        }
    }
}
