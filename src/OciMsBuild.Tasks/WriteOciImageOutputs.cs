using System.IO;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>Writes the OCI layout, the optional tarball and the JSON summary.</summary>
    public sealed class WriteOciImageOutputs : OciRegistryTask
    {
        [Required] public string ImageRecordFile { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string Repository { get; set; } = "";
        [Required] public string[] Tags { get; set; } = new string[0];
        [Required] public string SummaryFile { get; set; } = "";
        public string? Registry { get; set; }
        public string? LayoutDirectory { get; set; }
        public string? ArchivePath { get; set; }
        /// <summary>ContainerArchivePlatform: which platform the tarball's Docker manifest.json names.</summary>
        public string? ArchivePlatform { get; set; }
        /// <summary>ContainerBaseImagePullPolicy: with Never, a registry base layer the cache lost is not downloaded again (OCI3001).</summary>
        public string? PullPolicy { get; set; }
        /// <summary>obj/container: a layout folder inside it is ours even without the marker file.</summary>
        public string? WorkDirectory { get; set; }

        protected override void Run()
        {
            var image = ImageSet.Load(ImageRecordFile);
            var name = new ImageName(Registry, Repository, Tags);
            var store = new BlobStore(BlobCachePath);
            var policy = PullPolicies.Parse(PullPolicy);
            // A registry base's layers are fetched only now, and only for outputs that hold bytes.
            if ((!string.IsNullOrEmpty(LayoutDirectory) || !string.IsNullOrEmpty(ArchivePath)) && BaseLayerFetcher.AnyMissing(image, store))
            {
                using var lease = Connect();
                Wait(ct => BaseLayerFetcher.EnsureAsync(image, store, lease.Connections, message => Log.LogMessage(MessageImportance.Normal, message), ct, policy));
            }
            ImageOutputs.Write(image, name, LayoutDirectory, ArchivePath, ArchivePlatform, SummaryFile, store, WorkDirectory);
        }
    }
}
