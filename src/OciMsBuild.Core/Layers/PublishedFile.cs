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

        /// <summary>Where to read the bytes from (the published copy).</summary>
        public string SourcePath { get; }

        public string? NuGetPackageId { get; set; }
        public string? ReferenceSourceTarget { get; set; }
        public bool HasMetadata { get; set; }
    }
}
