namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// One file of the publish output and what MSBuild knew about it
    /// (from ResolvedFileToPublish metadata; all optional).
    /// </summary>
    public sealed class PublishedFile
    {
        public PublishedFile(string relativePath, string sourcePath)
        {
            RelativePath = relativePath.Replace('\\', '/');
            SourcePath = sourcePath;
        }

        /// <summary>Path inside the publish directory, forward slashes.</summary>
        public string RelativePath { get; }

        /// <summary>Where to read the bytes from (the published copy; for a link, the link itself).</summary>
        public string SourcePath { get; }

        /// <summary>
        /// Set for a symbolic link that resolves inside the publish folder: the target the tar entry
        /// records, relative (see <see cref="PublishFolderScanner"/>). Null for a regular file.
        /// </summary>
        public string? LinkTarget { get; set; }

        public string? NuGetPackageId { get; set; }
        public string? ReferenceSourceTarget { get; set; }
        public bool HasMetadata { get; set; }
    }
}
