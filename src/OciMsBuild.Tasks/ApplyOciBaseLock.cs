using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.SupplyChain;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// A tag-based registry base the lock file covers (for every platform built) becomes
    /// "reference@digest": the build then resolves nothing and needs no network when cached.
    /// With Locked, a lock that does not cover it is OCI1027.
    /// </summary>
    public sealed class ApplyOciBaseLock : OciTask
    {
        [Required] public string BaseImage { get; set; } = "";
        [Required] public string LockFile { get; set; } = "";
        public string[] RuntimeIdentifiers { get; set; } = new string[0];
        public bool Locked { get; set; }
        public string? ProjectDirectory { get; set; }

        /// <summary>The pinned base, or empty to resolve the tag as usual.</summary>
        [Output] public string LockedBaseImage { get; private set; } = "";

        protected override void Run()
        {
            var location = BaseImageLocation.Parse(BaseImage, ProjectDirectory ?? Directory.GetCurrentDirectory());
            if (location.Transport != BaseTransport.Registry) return;
            var platforms = RuntimeIdentifiers.Select(rid => Core.Platforms.RuntimeIdentifiers.ToPlatform(rid).ToString()).Distinct().ToList();
            var path = Path.GetFullPath(LockFile);
            var pinned = BaseLock.Pin(BaseLockFile.Load(path), path, location.Reference, platforms, Locked);
            if (pinned == null)
            {
                if (BaseLock.KeyOf(location.Reference) != null && File.Exists(path))
                    Log.LogMessage(MessageImportance.Normal, "OciMsBuild: the base-image lock {0} does not cover {1} for {2}: the tag is resolved (-p:ContainerUpdateLock=true records it).",
                        path, location.Reference, string.Join(", ", platforms));
                return;
            }
            LockedBaseImage = pinned;
            Log.LogMessage(MessageImportance.Normal, "OciMsBuild: base {0} pinned by {1}", pinned, Path.GetFileName(path));
        }
    }
}
