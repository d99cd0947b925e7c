namespace OciMsBuild.Core.Layers
{
    /// <summary>What a path is, as lstat(2) sees it: the link itself, never what it points at.</summary>
    public enum PathKind
    {
        Missing,
        Regular,
        Directory,
        Symlink,
        Fifo,
        Socket,
        CharacterDevice,
        BlockDevice,
        Unknown,
    }

    public static class PathKindNames
    {
        /// <summary>How an error message names the kind ("a FIFO (named pipe)").</summary>
        public static string Describe(this PathKind kind)
        {
            switch (kind)
            {
                case PathKind.Fifo: return "a FIFO (named pipe)";
                case PathKind.Socket: return "a Unix socket";
                case PathKind.CharacterDevice: return "a character device";
                case PathKind.BlockDevice: return "a block device";
                case PathKind.Symlink: return "a symbolic link";
                case PathKind.Directory: return "a folder";
                case PathKind.Regular: return "a regular file";
                case PathKind.Missing: return "missing";
                default: return "a special file of unknown type";
            }
        }
    }
}
