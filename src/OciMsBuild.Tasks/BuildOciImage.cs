using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Tasks
{
    /// <summary>Resolves the base for the RID, merges the config and stores config + manifest.</summary>
    public sealed class BuildOciImage : OciTask
    {
        [Required] public string BaseImage { get; set; } = "";
        [Required] public string RuntimeIdentifier { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string ImageRecordFile { get; set; } = "";
        [Required] public string ProjectDirectory { get; set; } = "";
        [Required] public string AssemblyName { get; set; } = "";
        public string? PublishDirectory { get; set; }
        public ITaskItem[] LayerRecords { get; set; } = new ITaskItem[0];
        public string? ImageFormat { get; set; }
        public string? WorkingDirectory { get; set; }
        public string[] AppCommand { get; set; } = new string[0];
        public string[] AppCommandArgs { get; set; } = new string[0];
        public string[] DefaultArgs { get; set; } = new string[0];
        public ITaskItem[] EnvironmentVariables { get; set; } = new ITaskItem[0];
        public ITaskItem[] Labels { get; set; } = new ITaskItem[0];
        public ITaskItem[] Ports { get; set; } = new ITaskItem[0];
        public string? User { get; set; }
        public bool IsWebApp { get; set; }
        /// <summary>The image's time (config created, history, the created label): whole seconds since 1970, empty for 0.</summary>
        public string? SourceDateEpoch { get; set; }
        /// <summary>Add org.opencontainers.image.created / base.name / base.digest labels (unless a ContainerLabel sets them).</summary>
        public bool GenerateCreatedLabel { get; set; }
        public bool GenerateBaseNameLabel { get; set; }
        public bool GenerateBaseDigestLabel { get; set; }
        /// <summary>Attach an SPDX SBOM / an in-toto SLSA provenance record to the image (ContainerGenerateSbom / ContainerGenerateProvenance).</summary>
        public bool GenerateSbom { get; set; }
        public bool GenerateProvenance { get; set; }
        /// <summary>For the SBOM and provenance: the image's repository, the app, what NuGet restored, the build.</summary>
        public string? Repository { get; set; }
        public string? AppVersion { get; set; }
        public string? ProjectAssetsFile { get; set; }
        public string? TargetFramework { get; set; }
        /// <summary>The .NET shared frameworks (Identity = name, Version).</summary>
        public ITaskItem[] RuntimeFrameworks { get; set; } = new ITaskItem[0];
        public string? Configuration { get; set; }
        /// <summary>The project's file name, for the provenance (never its folder).</summary>
        public string? ProjectFile { get; set; }
        public string[] ImageRuntimeIdentifiers { get; set; } = new string[0];
        public string? SdkVersion { get; set; }
        public string? SourceRepository { get; set; }
        public string? SourceRevision { get; set; }
        /// <summary>A registry base's digest, pinned by ResolveOciBaseImage.</summary>
        public string? BasePinnedDigest { get; set; }

        [Output] public string ManifestDigest { get; private set; } = "";
        [Output] public string ConfigDigest { get; private set; } = "";

        protected override void Run()
        {
            var settings = ReadSettings();
            var format = SettingsValidator.ImageFormat(ImageFormat);
            var platform = RuntimeIdentifiers.ToPlatform(RuntimeIdentifier);
            var store = new BlobStore(BlobCachePath);
            var location = BaseImageLocation.Parse(BaseImage, ProjectDirectory);
            var baseImage = BaseImageResolver.Resolve(location, platform, store, Path.Combine(store.Root, "tmp"), BasePinnedDigest);

            var layers = LayerRecords
                .Select(item => OciJson.Parse<LayerRecord>(File.ReadAllText(item.ItemSpec)))
                .ToList();
            var created = Core.Build.SourceDateEpoch.Resolve(SourceDateEpoch);
            Core.SupplyChain.BuildLabels.Add(settings.Labels, baseImage, created,
                new Core.SupplyChain.GeneratedLabels { Created = GenerateCreatedLabel, BaseName = GenerateBaseNameLabel, BaseDigest = GenerateBaseDigestLabel });
            var image = ImageBuilder.Build(baseImage, layers, settings, format, RuntimeIdentifier, platform, created, store);
            image.Referrers = Core.SupplyChain.ImageAttestations.Attach(store, image, new Core.SupplyChain.AttestationRequest
            {
                Sbom = GenerateSbom,
                Provenance = GenerateProvenance,
                ImageName = string.IsNullOrEmpty(Repository) ? AssemblyName.ToLowerInvariant() : Repository!,
                AppName = AssemblyName,
                AppVersion = AppVersion ?? "",
                AssetsFile = ProjectAssetsFile,
                TargetFramework = TargetFramework ?? "",
                Runtimes = RuntimeFrameworks.Select(r => new KeyValuePair<string, string>(r.ItemSpec, r.GetMetadata("Version"))).ToList(),
                Created = created,
                ToolVersion = Core.SupplyChain.ToolVersion.Current,
                // The project's file name only: its folder is a path on this machine.
                ProjectFile = Path.GetFileName(string.IsNullOrEmpty(ProjectFile) ? AssemblyName + ".csproj" : ProjectFile),
                Configuration = Configuration ?? "",
                RuntimeIdentifiers = ImageRuntimeIdentifiers.Length > 0 ? ImageRuntimeIdentifiers : new[] { RuntimeIdentifier },
                SdkVersion = SdkVersion ?? "",
                SourceRepository = string.IsNullOrEmpty(SourceRepository) ? null : SourceRepository,
                SourceRevision = string.IsNullOrEmpty(SourceRevision) ? null : SourceRevision,
            });
            AtomicFile.WriteAllText(ImageRecordFile, OciJson.ToText(image));
            ManifestDigest = image.Manifest.Digest;
            ConfigDigest = image.Config.Digest;
            Log.LogMessage(MessageImportance.Low, "OciMsBuild: image for {0} is {1} (config {2})", image.Platform, ManifestDigest, ConfigDigest);
        }

        private ContainerSettings ReadSettings()
        {
            var settings = new ContainerSettings
            {
                WorkingDirectory = SettingsValidator.WorkingDirectory(WorkingDirectory),
                AppCommand = NonEmpty(AppCommand, "ContainerAppCommand"),
                AppCommandArgs = AppCommandArgs.ToList(),
                DefaultArgs = DefaultArgs.ToList(),
                User = string.IsNullOrWhiteSpace(User) ? null : SettingsValidator.User(User!),
                IsWebApp = IsWebApp,
                AssemblyName = AssemblyName,
            };
            if (!string.IsNullOrEmpty(PublishDirectory) && File.Exists(Path.Combine(PublishDirectory, AssemblyName)))
                settings.AppHostFileName = AssemblyName;
            foreach (var env in EnvironmentVariables)
            {
                SettingsValidator.EnvironmentName(env.ItemSpec);
                int at = settings.Environment.FindIndex(kv => kv.Key == env.ItemSpec);
                var kv2 = new KeyValuePair<string, string>(env.ItemSpec, Meta(env, "Value"));
                if (at >= 0) settings.Environment[at] = kv2; else settings.Environment.Add(kv2);
            }
            foreach (var label in Labels)
            {
                SettingsValidator.LabelName(label.ItemSpec);
                settings.Labels[label.ItemSpec] = Meta(label, "Value");
            }
            foreach (var port in Ports)
                settings.Ports.Add(SettingsValidator.Port(port.ItemSpec, Meta(port, "Type")));
            return settings;
        }

        private static List<string> NonEmpty(string[] values, string what)
        {
            if (values.Any(string.IsNullOrWhiteSpace))
                throw new Core.Errors.OciException(Core.Errors.ErrorCodes.InvalidAppCommand, $"{what} has an empty entry; every item must be a non-empty argument, e.g. <{what} Include=\"dotnet\" />.");
            return values.ToList();
        }
    }
}
