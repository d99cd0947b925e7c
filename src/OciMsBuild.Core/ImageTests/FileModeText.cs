using OciMsBuild.Core.ImageFileSystem;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>
    /// A file's mode as container-structure-test prints and compares it (Go's FileMode.String):
    /// type letters first ("d" folder, "L" link, "u" setuid, "g" setgid, "t" sticky, "-" for a plain
    /// file), then rwx for owner, group and others: "-rwxr-xr-x", "drwxr-xr-x", "urwxr-xr-x".
    /// </summary>
    public static class FileModeText
    {
        public static string Of(FileSystemEntry entry)
        {
            var prefix = "";
            if (entry.Type == EntryType.Directory) prefix += "d";
            if (entry.Type == EntryType.Symlink) prefix += "L";
            if (entry.Type == EntryType.Other) prefix += "?";
            if ((entry.Mode & 0x800) != 0) prefix += "u"; // 04000
            if ((entry.Mode & 0x400) != 0) prefix += "g"; // 02000
            if ((entry.Mode & 0x200) != 0) prefix += "t"; // 01000
            if (prefix.Length == 0) prefix = "-";
            const string rwx = "rwxrwxrwx";
            var chars = new char[9];
            for (int i = 0; i < 9; i++) chars[i] = (entry.Mode & (1 << (8 - i))) != 0 ? rwx[i] : '-';
            return prefix + new string(chars);
        }
    }
}
