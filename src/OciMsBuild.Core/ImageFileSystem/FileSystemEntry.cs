namespace OciMsBuild.Core.ImageFileSystem
{
    public enum EntryType { File, Directory, Symlink, Other }

    /// <summary>
    /// One path of an image's merged filesystem, as the topmost layer holding it left it. A hard
    /// link is stored as the file it links to (same attributes, content read from the target's
    /// place), so readers never see it as a separate kind.
    /// </summary>
    public sealed class FileSystemEntry
    {
        /// <summary>Absolute, normalised: "/", "/app/app.dll".</summary>
        public string Path { get; internal set; } = "/";
        public EntryType Type { get; internal set; }
        /// <summary>The 12 permission bits (including setuid, setgid, sticky).</summary>
        public int Mode { get; internal set; }
        public int Uid { get; internal set; }
        public int Gid { get; internal set; }
        public long Size { get; internal set; }
        /// <summary>Modification time, whole seconds since 1970 (what tells a run's changes from the base's files).</summary>
        public long MtimeSeconds { get; internal set; }
        public string? LinkTarget { get; internal set; }
        /// <summary>Which layer holds the bytes (-1: a directory only implied by its children).</summary>
        public int Layer { get; internal set; } = -1;
        /// <summary>The entry's name inside that layer's tar, where the bytes are.</summary>
        public string? ContentName { get; internal set; }

        internal FileSystemEntry Clone() => (FileSystemEntry)MemberwiseClone();
    }
}
