using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Cache;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Runs on every build, before the targets MSBuild skips by Inputs/Outputs: deletes the records
    /// in obj/ whose blobs the blob store lost or holds damaged, so those targets rebuild them from
    /// their inputs in this same build (see <see cref="ImageCacheCheck"/>).
    /// </summary>
    public sealed class CheckOciCache : OciTask
    {
        [Required] public string BlobCachePath { get; set; } = "";
        /// <summary>Where the check remembers what it verified (obj/.../cache-check.txt).</summary>
        [Required] public string StateFile { get; set; } = "";
        /// <summary>The layer records the packing step would write (obj/.../layers/N-kind.layer.json).</summary>
        public ITaskItem[] LayerRecords { get; set; } = new ITaskItem[0];
        /// <summary>image.json of one platform, or the image index's record.</summary>
        public string? ImageRecordFile { get; set; }
        /// <summary>The packing step's stamp: deleted when a layer record is missing, so that step runs.</summary>
        public string? PackStampFile { get; set; }

        protected override void Run()
        {
            BlobStoreFailures.CheckLocation(BlobCachePath);
            var check = new ImageCacheCheck(new BlobStore(BlobCachePath), StateFile);
            foreach (var record in LayerRecords) check.CheckLayerRecord(record.ItemSpec);
            if (!string.IsNullOrEmpty(ImageRecordFile)) check.CheckImageRecord(ImageRecordFile!);
            var message = check.Finish();
            if (!string.IsNullOrEmpty(PackStampFile) && LayerRecords.Any(r => !File.Exists(r.ItemSpec)) && File.Exists(PackStampFile))
                File.Delete(PackStampFile);
            if (message != null) Log.LogMessage(MessageImportance.Normal, message);
            Log.LogMessage(MessageImportance.Low, "OciMsBuild: cache check of {0}: {1} blobs, {2} hashed ({3:N0} bytes) in {4} ms",
                Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(StateFile))), check.BlobsChecked, check.BlobsHashed, check.BytesHashed, (long)check.Elapsed.TotalMilliseconds);
        }
    }
}
