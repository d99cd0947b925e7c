using Microsoft.Build.Framework;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Before anything is built or pushed: every output path (layout, tarball, summary) is checked
    /// against what the build reads and against what it may replace (OCI1024/OCI1025).
    /// </summary>
    public sealed class CheckOciOutputPaths : OciTask
    {
        [Required] public string ProjectDirectory { get; set; } = "";
        [Required] public string WorkDirectory { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        public string? BaseImage { get; set; }
        /// <summary>The publish folder(s) the image is made from.</summary>
        public string[] PublishDirectories { get; set; } = new string[0];
        public string? LayoutDirectory { get; set; }
        public string? ArchivePath { get; set; }
        public string? SummaryFile { get; set; }

        protected override void Run()
        {
            var check = new OutputPathCheck()
                .ProjectDirectory(ProjectDirectory)
                .WorkDirectory(WorkDirectory)
                .BlobStore(BlobCachePath);
            foreach (var publish in PublishDirectories) check.PublishDirectory(publish);
            var location = BaseImageLocation.Parse(BaseImage ?? "", ProjectDirectory);
            if (location.Path != null) check.BaseImage(location.Path, isFolder: location.Transport == BaseTransport.OciLayout);
            check.Layout(LayoutDirectory).Archive(ArchivePath).Summary(SummaryFile).Run();
        }
    }
}
