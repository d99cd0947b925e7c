using System;
using System.IO;
using System.Runtime.InteropServices;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Full-path comparisons with the file system's case rules (ordinal on Linux and macOS' default
    /// case-sensitive volumes is the strict choice; Windows compares without case).
    /// </summary>
    public static class PathComparison
    {
        public static StringComparison Rule { get; } =
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        /// <summary>The absolute path with no trailing separator (but "/" stays "/").</summary>
        public static string Normalize(string path)
        {
            var full = Path.GetFullPath(path);
            var root = Path.GetPathRoot(full) ?? "";
            return full.Length > root.Length ? full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : full;
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
