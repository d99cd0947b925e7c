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
        public string? RuntimeIdentifier { get; set; }
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

        [Output] public string ResolvedRuntimeIdentifier { get; private set; } = "";
        [Output] public bool NeedsPublish { get; private set; }
        [Output] public bool NeedsRestore { get; private set; }
        [Output] public string ResolvedRepository { get; private set; } = "";
        [Output] public string[] ResolvedTags { get; private set; } = new string[0];
        [Output] public string ResolvedWorkingDirectory { get; private set; } = "";
        [Output] public string ResolvedBlobCachePath { get; private set; } = "";
        /// <summary>The local file a base is read from (archive, or a layout's index.json), for incremental checks.</summary>
        [Output] public string[] BaseInputFile { get; private set; } = new string[0];

        protected override void Run()
        {
            ResolvedRuntimeIdentifier = RuntimeIdentifiers.Choose(ContainerRuntimeIdentifier, RuntimeIdentifier);
            NeedsPublish = !string.Equals(ResolvedRuntimeIdentifier, (RuntimeIdentifier ?? "").Trim(), System.StringComparison.Ordinal);
            NeedsRestore = NeedsPublish && !AssetsFile.HasRuntimeTarget(ProjectAssetsFile, TargetFramework ?? "", ResolvedRuntimeIdentifier);

            var repository = (Repository ?? "").Trim();
            if (RepositoryIsDefault) repository = RepositoryNames.FromProjectName(repository);
            SettingsValidator.Repository(repository);
            ResolvedRepository = repository;
            ResolvedTags = SettingsValidator.Tags(Tags.SelectMany(t => t.Split(';'))).ToArray();
            ResolvedWorkingDirectory = SettingsValidator.WorkingDirectory(WorkingDirectory);
            SettingsValidator.ImageFormat(ImageFormat);
            SettingsValidator.LayerOwnerId("ContainerLayerUserId", LayerUserId);
            SettingsValidator.LayerOwnerId("ContainerLayerGroupId", LayerGroupId);
            SettingsValidator.CompressionLevel(CompressionLevel);
            if (!string.IsNullOrWhiteSpace(Registry)) Core.Registry.RegistryNames.Validate(Registry);
            ResolvedBlobCachePath = BlobStoreLocation.Resolve(BlobCachePath);
            var location = BaseImageLocation.Parse(BaseImage ?? "", ProjectDirectory ?? Directory.GetCurrentDirectory());
            if (location.Transport == BaseTransport.OciLayout) BaseInputFile = new[] { Path.Combine(location.Path!, "index.json") };
            else if (location.Path != null) BaseInputFile = new[] { location.Path };
        }
    }
}
