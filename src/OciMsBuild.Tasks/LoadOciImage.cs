using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Engines;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>ContainerLoad: the image into the local docker or podman, under every tag (one platform of a multi-platform image).</summary>
    public sealed class LoadOciImage : OciRegistryTask
    {
        [Required] public string ImageRecordFile { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string Repository { get; set; } = "";
        [Required] public string[] Tags { get; set; } = new string[0];
        [Required] public string Engine { get; set; } = "";
        public string? Registry { get; set; }
        public string? ArchivePlatform { get; set; }
        public string? PullPolicy { get; set; }

        [Output] public long BytesSent { get; private set; }

        protected override void Run()
        {
            var set = ImageSet.Load(ImageRecordFile);
            var store = new BlobStore(BlobCachePath);
            var name = new ImageName(Registry, Repository, Tags);
            // ContainerLoad=true: whichever engine is there.
            var choice = Engine.Trim().Equals("true", System.StringComparison.OrdinalIgnoreCase) ? "auto" : Engine;
            var engine = ContainerEngine.Find(choice, ImageLoader.Property, null, Cancellation.Token);
            if (BaseLayerFetcher.AnyMissing(set, store))
            {
                using var lease = Connect();
                Wait(ct => BaseLayerFetcher.EnsureAsync(set, store, lease.Connections, m => Log.LogMessage(MessageImportance.Normal, m), ct, PullPolicies.Parse(PullPolicy)));
            }
            var report = ImageLoader.Load(engine, set, name, ArchivePlatform, store, Cancellation.Token);
            BytesSent = report.BytesSent;
            var tags = string.Join(", ", name.RepoTags);
            Log.LogMessage(MessageImportance.High, report.AlreadyLoaded
                ? $"OciMsBuild: {tags} ({report.Image.Platform}) is already in {engine.Name}; nothing sent."
                : $"OciMsBuild: loaded {tags} ({report.Image.Platform}) into {engine.Describe()}: {report.BytesSent:N0} bytes sent, " +
                  $"{report.LayersSent} layer(s) sent, {report.LayersSkipped} it already had. Run it: {engine.Name} run --rm {name.RepoTags.First()}");
        }
    }
}
