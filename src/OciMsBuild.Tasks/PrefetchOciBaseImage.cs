using System;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Starts resolving a registry base for every image RID in the background, at the start of the
    /// build. Never fails or warns: anything wrong is found and reported by ResolveOciBaseImage,
    /// which resolves in line whenever the prefetch did not give an answer.
    /// </summary>
    public sealed class PrefetchOciBaseImage : OciRegistryTask
    {
        public string BaseImage { get; set; } = "";
        public ITaskItem[] RuntimeIdentifiers { get; set; } = new ITaskItem[0];
        public string BlobCachePath { get; set; } = "";
        public string? PullPolicy { get; set; }
        public string? ProjectDirectory { get; set; }

        protected override void Run()
        {
            try
            {
                if (!(BuildEngine is IBuildEngine4 engine) || BlobCachePath.Length == 0) return;
                var location = BaseImageLocation.Parse(BaseImage, ProjectDirectory ?? System.IO.Directory.GetCurrentDirectory());
                if (location.Transport != BaseTransport.Registry) return;
                var policy = PullPolicies.Parse(PullPolicy);
                var options = Options();
                foreach (var rid in RuntimeIdentifiers)
                {
                    var platform = Core.Platforms.RuntimeIdentifiers.ToPlatform(rid.ItemSpec);
                    BasePrefetch.Start(engine, BasePrefetch.Key(BaseImage, rid.ItemSpec, BlobCachePath, PullPolicy), location.Reference!, platform, policy, BlobCachePath, options);
                }
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: resolving base {0} in the background", BaseImage);
            }
            catch (Exception e)
            {
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: no background base resolution ({0}); the image step resolves it", e.Message);
            }
        }
    }
}
