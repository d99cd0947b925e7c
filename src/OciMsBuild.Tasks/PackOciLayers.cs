using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.LayerCache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Produces each planned layer, in parallel: from the project's record when it is up to date,
    /// else from the shared layer cache when any build packed the same content, else by packing it
    /// (see <see cref="SharedLayerPacker"/>). Says at normal verbosity which of the three it was.
    /// </summary>
    public sealed class PackOciLayers : OciRegistryTask
    {
        /// <summary>Beside the plans: the sha256 of each publish file by path and stamp (see <see cref="FileHashCache"/>).</summary>
        private const string HashCacheFileName = "file-hashes.txt";

        [Required] public ITaskItem[] LayerPlans { get; set; } = new ITaskItem[0];
        [Required] public string BlobCachePath { get; set; } = "";
        /// <summary>The image RID: finds the runtime layer packed early for it (<see cref="PackOciRuntimeLayerEarly"/>).</summary>
        public string? RuntimeIdentifier { get; set; }
        /// <summary>Threads compressing one layer (0: all cores). Changes speed and CPU use, never bytes.</summary>
        public int CompressionThreads { get; set; }
        /// <summary>Touched after every run: the target's one output (records are rewritten only when their layer changes).</summary>
        public string? StampFile { get; set; }
        /// <summary>When pushing: the registry and repository large layers are uploaded to while they are packed.</summary>
        public string? Registry { get; set; }
        public string? Repository { get; set; }
        /// <summary>The tags the push will apply: when one already exists, the registry most likely has the big layers, so none is streamed.</summary>
        public string[] Tags { get; set; } = new string[0];
        /// <summary>false turns the upload-while-packing off (the push then uploads every blob from the store).</summary>
        public bool StreamUploads { get; set; } = true;
        /// <summary>Where the build tallies the bytes it uploaded (<see cref="UploadLedger"/>).</summary>
        public string? UploadLedgerFile { get; set; }

        [Output] public ITaskItem[] LayerRecords { get; private set; } = new ITaskItem[0];

        protected override void Run()
        {
            // The runtime layer packed in the background while the project compiled: found by content below.
            var early = EarlyLayerPack.Find(BuildEngine, EarlyLayerPack.Key(BuildEngine?.ProjectFileOfTaskNode ?? "", RuntimeIdentifier, BlobCachePath));
            if (early != null)
            {
                var (message, importance) = early.WaitPacked(Cancellation.Token);
                Log.LogMessage(importance, message);
            }
            if (LayerPlans.Length == 0) return;
            var store = new BlobStore(BlobCachePath);
            var hashes = FileHashCache.Load(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(LayerPlans[0].ItemSpec))!, HashCacheFileName));
            var packer = new SharedLayerPacker(store, new LayerIndex(store), hashes);
            var plans = LayerPlans.Select(p => OciJson.Parse<LayerPlan>(File.ReadAllText(p.ItemSpec))).ToArray();
            var results = new (ITaskItem Item, string Message)[LayerPlans.Length];
            using var connections = StreamUploads && !string.IsNullOrEmpty(Registry) && !string.IsNullOrEmpty(Repository) ? Connect() : null;
            Func<StreamingUpload?>? startUpload = null;
            if (connections != null)
            {
                WarnIfPasswordVariablesAreLogged(RegistryAccess.Push);
                var client = connections.Connections.Client(Registry!, RegistryAccess.Push);
                // Decided once, on the first large layer: a rebuild of a pushed image (a clean CI runner)
                // most likely makes the layers the registry has, and must upload none of them.
                var worthStreaming = new Lazy<bool>(() => !Wait(ct => StreamingUpload.AnyTagExistsAsync(client, Repository!, Tags, ct)));
                var chunk = (int)Math.Min(StreamingUpload.DefaultChunkSize, Options().ChunkSize);
                startUpload = () => worthStreaming.Value ? new StreamingUpload(client, Repository!, chunk, Cancellation.Token) : null;
            }
            var options = new ParallelOptions { CancellationToken = Cancellation.Token, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(0, LayerPlans.Length, options, i =>
            {
                var recordPath = LayerPlans[i].GetMetadata("RecordFile");
                var outcome = packer.Produce(plans[i], recordPath, Cancellation.Token, CompressionThreads, startUpload);
                var record = outcome.Record;
                var item = new TaskItem(recordPath);
                item.SetMetadata("Kind", record.Kind);
                item.SetMetadata("Digest", record.Digest);
                item.SetMetadata("Size", record.Size.ToString());
                results[i] = (item, LayerLog.Describe(plans[i].Kind, outcome));
                UploadLedger.Record(UploadLedgerFile, outcome.BytesStreamed, "streamed " + record.Digest);
            });
            hashes.RetainOnly(plans.SelectMany(p => p.Entries).Where(e => e.SourcePath != null).Select(e => e.SourcePath!).ToList());
            hashes.Save();
            foreach (var r in results) Log.LogMessage(MessageImportance.Normal, r.Message);
            if (hashes.FilesHashed + hashes.FilesReused > 0)
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: layer cache keys: {0} files hashed ({1:N0} bytes), {2} hashes reused by size, mtime and ctime",
                    hashes.FilesHashed, hashes.BytesHashed, hashes.FilesReused);
            LayerRecords = results.Select(r => r.Item).ToArray();
            if (!string.IsNullOrEmpty(StampFile)) AtomicFile.WriteAllText(StampFile!, "");
        }
    }
}
