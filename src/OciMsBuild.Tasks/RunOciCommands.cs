using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Engines;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.RunLayers;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// ContainerRunCommand: the layer of what the commands change in a container of the base image,
    /// from the cache when base, platform, commands and inputs are the same, else by running them.
    /// </summary>
    public sealed class RunOciCommands : OciRegistryTask
    {
        public const string EngineProperty = "ContainerRunEngine";

        [Required] public string BaseImage { get; set; } = "";
        [Required] public string RuntimeIdentifier { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string ProjectDirectory { get; set; } = "";
        [Required] public ITaskItem[] Commands { get; set; } = new ITaskItem[0];
        [Required] public string LayerRecordFile { get; set; } = "";
        [Required] public string WorkDirectory { get; set; } = "";
        public string? BasePinnedDigest { get; set; }
        public string? Network { get; set; }
        public string? Engine { get; set; }
        public string? Compression { get; set; }
        public string? CompressionLevel { get; set; }
        public string? SourceDateEpoch { get; set; }
        public string? PullPolicy { get; set; }

        protected override void Run()
        {
            var commands = ReadCommands();
            var store = new BlobStore(BlobCachePath);
            var platform = RuntimeIdentifiers.ToPlatform(RuntimeIdentifier);
            var location = BaseImageLocation.Parse(BaseImage, ProjectDirectory);
            var baseImage = BaseImageResolver.Resolve(location, platform, store, Path.Combine(store.Root, "tmp"), string.IsNullOrEmpty(BasePinnedDigest) ? null : BasePinnedDigest);
            var compression = LayerCompression.Parse(Compression);
            var request = new RunLayerRequest
            {
                Base = baseImage,
                Platform = platform,
                Commands = commands,
                Network = ParseNetwork(Network),
                Compression = compression,
                CompressionLevel = int.TryParse(CompressionLevel, out var level) ? level
                    : compression == LayerCompression.Zstd ? LayerCompression.DefaultZstdLevel : LayerCompression.DefaultGzipLevel,
                MtimeSeconds = Core.Build.SourceDateEpoch.Resolve(SourceDateEpoch).ToUnixTimeSeconds(),
                WorkDirectory = WorkDirectory,
            };
            var result = RunLayerBuilder.Build(() => PrepareToRun(baseImage, store, platform), store, request,
                m => Log.LogMessage(MessageImportance.High, m), Cancellation.Token);
            if (result.Reused)
                Log.LogMessage(MessageImportance.Normal, $"OciMsBuild: ContainerRunCommand layer for {platform} reused from the cache ({result.Layer.Digest}); nothing was run.");
            else
            {
                if (result.Output.Length > 0) Log.LogMessage(MessageImportance.Normal, result.Output);
                Log.LogMessage(MessageImportance.High, $"OciMsBuild: ContainerRunCommand layer for {platform}: {result.Changes} change(s), {result.Layer.Digest} ({result.Layer.Size:N0} bytes)");
            }
            var text = OciJson.ToText(result.Layer);
            // Rewritten only when it changes: the image step is up to date against it.
            if (!File.Exists(LayerRecordFile) || File.ReadAllText(LayerRecordFile) != text) AtomicFile.WriteAllText(LayerRecordFile, text);
        }

        /// <summary>Only when the layer must really be made: the warning, the base layers, the engine.</summary>
        private ContainerEngine PrepareToRun(BaseImage baseImage, BlobStore store, Platform platform)
        {
            Log.LogWarning(null, ErrorCodes.RunCommandNotHermetic, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0,
                $"ContainerRunCommand: the {platform} image gets a layer made by running commands in a container of the base image. That step is not hermetic: " +
                "its result can depend on the engine, the time and (with ContainerRunNetwork=true) the network. The layer is cached by base digest, platform, commands and input files, and made again only when one of them changes.");
            var asImage = new BuiltImage { Layers = baseImage.Layers.ToList(), BaseSource = baseImage.SourceRepository };
            if (BaseLayerFetcher.Missing(asImage, store).Count > 0)
            {
                using var lease = Connect();
                Wait(ct => BaseLayerFetcher.EnsureAsync(asImage, store, lease.Connections, m => Log.LogMessage(MessageImportance.Normal, m), ct, PullPolicies.Parse(PullPolicy)));
            }
            return ContainerEngine.Find(Engine, EngineProperty, null, Cancellation.Token);
        }

        private IReadOnlyList<RunCommand> ReadCommands()
        {
            var result = new List<RunCommand>();
            var names = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in Commands)
            {
                var command = Meta(item, "Command");
                if (string.IsNullOrWhiteSpace(command)) command = item.ItemSpec;
                if (string.IsNullOrWhiteSpace(command))
                    throw new OciException(ErrorCodes.InvalidRunCommand, "A ContainerRunCommand item has no command: put the shell command in Include or in its Command metadata.");
                var inputs = new List<string>();
                foreach (var input in Meta(item, "Inputs").Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0))
                {
                    var full = Path.GetFullPath(Path.Combine(ProjectDirectory, input));
                    if (!File.Exists(full))
                        throw new OciException(ErrorCodes.InvalidRunCommand, $"ContainerRunCommand '{command}': the input file '{input}' ({full}) does not exist. Inputs names files (not folders) relative to the project, separated by ';'.");
                    var name = Path.GetFileName(full);
                    if (names.TryGetValue(name, out var other) && other != full)
                        throw new OciException(ErrorCodes.InvalidRunCommand, $"ContainerRunCommand inputs '{other}' and '{full}' have the same file name; both would be {RunLayerBuilder.InputsPath}/{name}. Rename one.");
                    names[name] = full;
                    inputs.Add(full);
                }
                result.Add(new RunCommand(command, inputs));
            }
            return result;
        }

        private static bool ParseNetwork(string? value)
        {
            var v = (value ?? "").Trim();
            if (v.Length == 0 || v.Equals("false", StringComparison.OrdinalIgnoreCase)) return false;
            if (v.Equals("true", StringComparison.OrdinalIgnoreCase)) return true;
            throw new OciException(ErrorCodes.InvalidRunCommand, $"ContainerRunNetwork '{value}' is not valid: use 'true' (the commands get the host's network) or 'false' (the default: no network).");
        }
    }
}
