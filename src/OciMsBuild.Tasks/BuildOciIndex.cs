using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Tasks
{
    /// <summary>Multi-platform builds: the platforms' images → one image index (record written to obj/).</summary>
    public sealed class BuildOciIndex : OciTask
    {
        /// <summary>The image.json of every platform, in ContainerRuntimeIdentifiers order.</summary>
        [Required] public ITaskItem[] ImageRecords { get; set; } = new ITaskItem[0];
        /// <summary>ContainerRuntimeIdentifiers as resolved: the order of the index's entries.</summary>
        public string[] RuntimeIdentifiers { get; set; } = new string[0];
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string IndexRecordFile { get; set; } = "";
        public string? ImageFormat { get; set; }
        /// <summary>ContainerLabel items: the org.opencontainers.image.* ones become index annotations.</summary>
        public ITaskItem[] Labels { get; set; } = new ITaskItem[0];
        /// <summary>The image's time, as the platforms' images have it; with GenerateCreatedLabel, the index's created annotation.</summary>
        public string? SourceDateEpoch { get; set; }
        public bool GenerateCreatedLabel { get; set; }

        [Output] public string IndexDigest { get; private set; } = "";

        protected override void Run()
        {
            var format = SettingsValidator.ImageFormat(ImageFormat);
            var order = RuntimeIdentifiers.ToList();
            var images = ImageRecords.Select(r => System.IO.Path.GetFullPath(r.ItemSpec)).Distinct()
                .Select(path => ImageSet.Load(path).Images.Single())
                .OrderBy(i => order.IndexOf(i.RuntimeIdentifier) is var at && at >= 0 ? at : int.MaxValue)
                .ToList();
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var label in Labels) labels[label.ItemSpec] = label.GetMetadata("Value");
            if (GenerateCreatedLabel && !labels.ContainsKey(AnnotationKeys.Created))
                labels[AnnotationKeys.Created] = Core.Build.SourceDateEpoch.Format(Core.Build.SourceDateEpoch.Resolve(SourceDateEpoch));
            var annotations = Core.SupplyChain.BuildLabels.Annotations(labels);
            var set = IndexBuilder.Build(images, format, annotations, new BlobStore(BlobCachePath));
            // Rewritten only when it changes: the output step's Inputs/Outputs check looks at its time.
            AtomicFile.WriteIfChanged(IndexRecordFile, OciJson.ToText(set));
            IndexDigest = set.Root.Digest;
            Log.LogMessage(MessageImportance.Low, "OciMsBuild: image index {0} over {1}", IndexDigest, string.Join(", ", images.Select(i => i.Platform + "=" + i.Manifest.Digest)));
        }
    }
}
