using System.IO;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Tasks
{
    /// <summary>Writes the OCI layout, the optional tarball and the JSON summary.</summary>
    public sealed class WriteOciImageOutputs : OciTask
    {
        [Required] public string ImageRecordFile { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string Repository { get; set; } = "";
        [Required] public string[] Tags { get; set; } = new string[0];
        [Required] public string SummaryFile { get; set; } = "";
        public string? Registry { get; set; }
        public string? LayoutDirectory { get; set; }
        public string? ArchivePath { get; set; }

        protected override void Run()
        {
            var image = OciJson.Parse<BuiltImage>(File.ReadAllText(ImageRecordFile));
            var name = new ImageName(Registry, Repository, Tags);
            ImageOutputs.Write(image, name, LayoutDirectory, ArchivePath, SummaryFile, new BlobStore(BlobCachePath));
        }
    }
}
