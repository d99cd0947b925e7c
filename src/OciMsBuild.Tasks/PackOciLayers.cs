using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Packs each planned layer into the blob store, in parallel. A layer whose fingerprint
    /// matches its last record (and whose blob is still stored) is not packed again.
    /// </summary>
    public sealed class PackOciLayers : OciTask
    {
        [Required] public ITaskItem[] LayerPlans { get; set; } = new ITaskItem[0];
        [Required] public string BlobCachePath { get; set; } = "";
        /// <summary>Threads compressing one layer (0: all cores). Changes speed and CPU use, never bytes.</summary>
        public int CompressionThreads { get; set; }
        /// <summary>Touched after every run: the target's one output (records are rewritten only when their layer changes).</summary>
        public string? StampFile { get; set; }

        [Output] public ITaskItem[] LayerRecords { get; private set; } = new ITaskItem[0];

        protected override void Run()
        {
            var store = new BlobStore(BlobCachePath);
            var results = new (ITaskItem Item, string Message)[LayerPlans.Length];
            var options = new ParallelOptions { CancellationToken = Cancellation.Token, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(0, LayerPlans.Length, options, i =>
            {
                var planItem = LayerPlans[i];
                var recordPath = planItem.GetMetadata("RecordFile");
                var plan = OciJson.Parse<LayerPlan>(File.ReadAllText(planItem.ItemSpec));
                var fingerprint = LayerPacker.Fingerprint(plan);
                var existing = File.Exists(recordPath) ? OciJson.Parse<LayerRecord>(File.ReadAllText(recordPath)) : null;
                string message;
                LayerRecord record;
                if (existing != null && existing.Fingerprint == fingerprint && store.Contains(existing.Digest))
                {
                    record = existing;
                    message = $"OciMsBuild: layer {plan.Kind} is up to date ({record.Digest})";
                }
                else
                {
                    var clock = Stopwatch.StartNew();
                    record = LayerPacker.Pack(plan, store, Cancellation.Token, CompressionThreads);
                    AtomicFile.WriteAllText(recordPath, OciJson.ToText(record));
                    message = $"OciMsBuild: packed layer {plan.Kind}: {record.Digest} ({record.Size:N0} bytes, {record.UncompressedSize:N0} uncompressed) in {clock.ElapsedMilliseconds} ms";
                }
                var item = new TaskItem(recordPath);
                item.SetMetadata("Kind", record.Kind);
                item.SetMetadata("Digest", record.Digest);
                item.SetMetadata("Size", record.Size.ToString());
                results[i] = (item, message);
            });
            foreach (var r in results) Log.LogMessage(MessageImportance.Normal, r.Message);
            LayerRecords = results.Select(r => r.Item).ToArray();
            if (!string.IsNullOrEmpty(StampFile)) AtomicFile.WriteAllText(StampFile!, "");
        }
    }
}
