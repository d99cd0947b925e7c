using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// First step: validates the names, chooses the image's RID and says whether the project must
    /// be published again for it (and restored for it first).
    /// </summary>
    public sealed class ResolveOciContainerSettings : OciTask
    {
        public string? ContainerRuntimeIdentifier { get; set; }
        public string? ContainerRuntimeIdentifiers { get; set; }
        public string? RuntimeIdentifier { get; set; }
        /// <summary>The project's RuntimeIdentifiers as the user wrote them (before we add the image's RIDs for restore).</summary>
        public string? ProjectRuntimeIdentifiers { get; set; }
        public string? Repository { get; set; }
        public bool RepositoryIsDefault { get; set; }
        public string[] Tags { get; set; } = new string[0];
        public string? WorkingDirectory { get; set; }
        public string? ImageFormat { get; set; }
        public string? BlobCachePath { get; set; }
        public string? ProjectAssetsFile { get; set; }
        public string? TargetFramework { get; set; }
        public string? BaseImage { get; set; }
        public string? ProjectDirectory { get; set; }
        // Strings, not ints: checked here with a coded error before later tasks bind them as numbers.
        public string? Registry { get; set; }
        public string? LayerUserId { get; set; }
        public string? LayerGroupId { get; set; }
        public string? CompressionLevel { get; set; }
        public string? Compression { get; set; }

        /// <summary>The RID built in this project instance: the only one, or in a multi-platform build the one the outer publish was for ("" when none was).</summary>
        [Output] public string ResolvedRuntimeIdentifier { get; private set; } = "";
        /// <summary>Every RID an image is built for, in order; Local=true for the one built here without another publish.</summary>
        [Output] public ITaskItem[] ResolvedRuntimeIdentifiers { get; private set; } = new ITaskItem[0];
        [Output] public bool IsMultiPlatform { get; private set; }
        [Output] public bool NeedsPublish { get; private set; }
        [Output] public bool NeedsRestore { get; private set; }
        [Output] public string ResolvedRepository { get; private set; } = "";
        [Output] public string[] ResolvedTags { get; private set; } = new string[0];
        [Output] public string ResolvedWorkingDirectory { get; private set; } = "";
        [Output] public string ResolvedBlobCachePath { get; private set; } = "";
        /// <summary>The level packing uses: ContainerLayerCompressionLevel, else the compression's default.</summary>
        [Output] public int ResolvedCompressionLevel { get; private set; }
        /// <summary>The local file a base is read from (archive, or a layout's index.json), for incremental checks.</summary>
        [Output] public string[] BaseInputFile { get; private set; } = new string[0];

        protected override void Run()
        {
            var publishRid = (RuntimeIdentifier ?? "").Trim();
            var rids = RuntimeIdentifiers.ChooseAll(ContainerRuntimeIdentifier, ContainerRuntimeIdentifiers, publishRid, ProjectRuntimeIdentifiers);
            IsMultiPlatform = rids.Count > 1;
            ResolvedRuntimeIdentifier = IsMultiPlatform ? rids.FirstOrDefault(r => r == publishRid) ?? "" : rids[0];
            ResolvedRuntimeIdentifiers = rids.Select(r =>
            {
                var item = new Microsoft.Build.Utilities.TaskItem(r);
                item.SetMetadata("Local", (r == publishRid).ToString().ToLowerInvariant());
                return (ITaskItem)item;
            }).ToArray();
            NeedsPublish = !IsMultiPlatform && !string.Equals(ResolvedRuntimeIdentifier, publishRid, System.StringComparison.Ordinal);
            NeedsRestore = rids.Any(r => r != publishRid && !AssetsFile.HasRuntimeTarget(ProjectAssetsFile, TargetFramework ?? "", r));

            var repository = (Repository ?? "").Trim();
            if (RepositoryIsDefault) repository = RepositoryNames.FromProjectName(repository);
            SettingsValidator.Repository(repository);
            ResolvedRepository = repository;
            ResolvedTags = SettingsValidator.Tags(Tags.SelectMany(t => t.Split(';'))).ToArray();
            ResolvedWorkingDirectory = SettingsValidator.WorkingDirectory(WorkingDirectory);
            var format = SettingsValidator.ImageFormat(ImageFormat);
            SettingsValidator.LayerOwnerId("ContainerLayerUserId", LayerUserId);
            SettingsValidator.LayerOwnerId("ContainerLayerGroupId", LayerGroupId);
            var compression = SettingsValidator.LayerCompressionFor(Compression, format);
            ResolvedCompressionLevel = SettingsValidator.CompressionLevel(CompressionLevel, compression);
            if (!string.IsNullOrWhiteSpace(Registry)) Core.Registry.RegistryNames.Validate(Registry);
            ResolvedBlobCachePath = BlobStoreLocation.Resolve(BlobCachePath);
            BlobStoreFailures.CheckLocation(ResolvedBlobCachePath);
            var location = BaseImageLocation.Parse(BaseImage ?? "", ProjectDirectory ?? Directory.GetCurrentDirectory());
            if (location.Transport == BaseTransport.OciLayout) BaseInputFile = new[] { Path.Combine(location.Path!, "index.json") };
            else if (location.Path != null) BaseInputFile = new[] { location.Path };
        }
    }
}
