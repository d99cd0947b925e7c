using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Splits the publish folder into layer plans (one file per layer under obj/). Plans are
    /// rewritten only when they change, so the packing target's Inputs/Outputs stay up to date.
    /// </summary>
    public sealed class PlanOciLayers : OciTask
    {
        [Required] public string PublishDirectory { get; set; } = "";
        [Required] public string PlanDirectory { get; set; } = "";
        public ITaskItem[] PublishedFiles { get; set; } = new ITaskItem[0];
        public string[] RuntimePackIds { get; set; } = new string[0];
        public string? DepsJsonPath { get; set; }
        public string? WorkingDirectory { get; set; }
        public int LayerUserId { get; set; }
        public int LayerGroupId { get; set; }
        public string? SourceDateEpoch { get; set; }
        public int CompressionLevel { get; set; } = LayerPlanBuilder.DefaultCompressionLevel;
        public string? Compression { get; set; }
        /// <summary>Multi-platform builds: the apphost and deps.json of AssemblyName go to their own layer, so the app layer is shared.</summary>
        public bool SeparateAppHost { get; set; }
        public string? AssemblyName { get; set; }

        [Output] public ITaskItem[] LayerPlans { get; private set; } = new ITaskItem[0];
        [Output] public ITaskItem[] LayerInputs { get; private set; } = new ITaskItem[0];

        protected override void Run()
        {
            var publishDir = Path.GetFullPath(PublishDirectory);
            if (!Directory.Exists(publishDir))
                throw new OciException(ErrorCodes.PublishOutputMissing, $"The publish folder '{publishDir}' does not exist; the publish step did not produce output to put in the image.");

            var files = PublishFolder.Enumerate(publishDir, PublishedFiles, Cancellation.Token);
            var appHostFiles = SeparateAppHost && !string.IsNullOrEmpty(AssemblyName) ? LayerPlanner.AppHostFilesOf(AssemblyName!) : null;
            var planner = new LayerPlanner(RuntimePackIds, DepsJsonIndex.Load(DepsJsonPath), appHostFiles);
            var mtime = Core.Build.SourceDateEpoch.Resolve(SourceDateEpoch);
            var workingDirectory = SettingsValidator.WorkingDirectory(WorkingDirectory);

            Directory.CreateDirectory(PlanDirectory);
            var plans = new List<ITaskItem>();
            var kept = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (kind, layerFiles) in planner.Plan(files))
            {
                var plan = LayerPlanBuilder.Build(kind, layerFiles, workingDirectory, LayerUserId, LayerGroupId, mtime, CompressionLevel, Core.Compression.LayerCompression.Parse(Compression));
                var planPath = Path.Combine(PlanDirectory, kind.PlanFileName());
                AtomicFile.WriteIfChanged(planPath, OciJson.ToText(plan));
                kept.Add(Path.GetFileName(planPath));
                var item = new TaskItem(planPath);
                item.SetMetadata("Kind", kind.Name());
                item.SetMetadata("RecordFile", Path.Combine(PlanDirectory, kind.RecordFileName()));
                item.SetMetadata("FileCount", layerFiles.Count.ToString());
                plans.Add(item);
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: layer {0}: {1} files", kind.Name(), layerFiles.Count);
            }
            // A layer that became empty must not linger in the next image.
            foreach (var stale in Directory.GetFiles(PlanDirectory, "*.json"))
                if (!kept.Contains(Path.GetFileName(stale)) && !kept.Contains(Path.GetFileName(stale).Replace(".layer.json", ".plan.json")))
                    File.Delete(stale);

            LayerPlans = plans.ToArray();
            // A link's target text is in the plan; the file it points at is an input of its own.
            LayerInputs = files.Where(f => f.LinkTarget == null).Select(f => (ITaskItem)new TaskItem(f.SourcePath)).ToArray();
        }
    }
}
