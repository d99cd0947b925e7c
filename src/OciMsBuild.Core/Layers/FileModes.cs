using System.IO;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Normalized permissions: 0755 for directories and executables, 0644 for the rest.
    /// "Executable" is read from the content (ELF or #! script), not from the file system, so a
    /// publish made on Windows yields the same modes as one made on Linux.
    /// </summary>
    public static class FileModes
    {
        public const int Directory = 0x1ED; // 0755
        public const int Executable = 0x1ED; // 0755
        public const int Regular = 0x1A4; // 0644
        /// <summary>What ln -s and GNU tar record for a link; the target's mode is what counts.</summary>
        public const int Symlink = 0x1FF; // 0777

        /// <summary>Opens the file to read its first bytes: call it for regular files only (a FIFO would block).</summary>
        public static int For(string sourcePath)
        {
            var head = new byte[4];
            int n;
            using (var s = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, 16))
                n = s.Read(head, 0, 4);
            bool elf = n == 4 && head[0] == 0x7F && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F';
            bool script = n >= 2 && head[0] == (byte)'#' && head[1] == (byte)'!';
            return elf || script ? Executable : Regular;
        }
    }
}
