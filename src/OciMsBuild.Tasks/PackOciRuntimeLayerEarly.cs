using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.LayerCache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Starts packing a self-contained app's runtime layer in the background as soon as the runtime
    /// pack is resolved, before the project compiles: its files come straight from the runtime
    /// pack, so the layer does not wait for the publish. A guess, checked by content: the layer goes
    /// to the shared layer cache only, and PackOciLayers, which plans from the real publish output,
    /// finds it there when the guess was right (same paths, same bytes) and packs as usual when it
    /// was not (trimming, a package that replaced a runtime assembly). When pushing, the layer is also
    /// uploaded ahead (<see cref="UploadAhead"/>), so the push finds it there. Never fails; the only
    /// warning is the one every registry task gives about logged password variables (OCI2020).
    /// </summary>
    public sealed class PackOciRuntimeLayerEarly : OciRegistryTask
    {
        /// <summary>@(RuntimePackAsset): Identity is the file in the runtime pack, DestinationSubPath its place in the publish folder.</summary>
        public ITaskItem[] RuntimePackAssets { get; set; } = new ITaskItem[0];
        /// <summary>The NuGet ids of the runtime packs (what the layer planner puts in the runtime layer).</summary>
        public string[] RuntimePackIds { get; set; } = new string[0];
        /// <summary>The image RID this publish is for (part of the key PackOciLayers finds the work by).</summary>
        public string? RuntimeIdentifier { get; set; }
        public string BlobCachePath { get; set; } = "";
        /// <summary>The platform's layers/ folder: a project that already has a runtime layer record is past its first build, and packs nothing early.</summary>
        public string LayerDirectory { get; set; } = "";
        public string? WorkingDirectory { get; set; }
        public int LayerUserId { get; set; }
        public int LayerGroupId { get; set; }
        public string? SourceDateEpoch { get; set; }
        public int CompressionLevel { get; set; } = LayerPlanBuilder.DefaultCompressionLevel;
        public string? Compression { get; set; }
        public int CompressionThreads { get; set; }
        /// <summary>When pushing: where the push goes, and its tags (when one exists, nothing is uploaded ahead).</summary>
        public string? Registry { get; set; }
        public string? Repository { get; set; }
        public string[] Tags { get; set; } = new string[0];
        /// <summary>ContainerStreamLayerUploads: false leaves every upload to the push.</summary>
        public bool UploadAhead { get; set; } = true;
        /// <summary>Where the build tallies the bytes it uploaded (<see cref="Core.Registry.UploadLedger"/>).</summary>
        public string? UploadLedgerFile { get; set; }

        private static string Describe(BlobOutcome how) =>
            how == BlobOutcome.Uploaded ? "uploaded to" : how == BlobOutcome.Mounted ? "mounted into" : "already in";

        private const string RuntimePackHashFile = "runtime-pack-file-hashes.txt";

        protected override void Run()
        {
            try
            {
                if (!(BuildEngine is IBuildEngine4 engine) || BlobCachePath.Length == 0) return;
                // After the first build the project's record (checked and reused by PackOciLayers) is
                // what counts; hashing the runtime pack again on every build would only cost CPU.
                if (LayerDirectory.Length > 0 && File.Exists(Path.Combine(LayerDirectory, LayerKind.Runtime.RecordFileName()))) return;
                var files = RuntimeFiles();
                if (files.Count == 0) return;
                var plan = LayerPlanBuilder.Build(LayerKind.Runtime, files, SettingsValidator.WorkingDirectory(WorkingDirectory), LayerUserId, LayerGroupId,
                    Core.Build.SourceDateEpoch.Resolve(SourceDateEpoch), CompressionLevel, LayerCompression.Parse(Compression));
                var store = new BlobStore(BlobCachePath);
                var index = new LayerIndex(store);
                var threads = CompressionThreads;
                string? registry = Registry, repository = Repository;
                var tags = Tags;
                var ledger = UploadLedgerFile;
                var lease = UploadAhead && !string.IsNullOrEmpty(registry) && !string.IsNullOrEmpty(repository) ? Connect() : null;
                if (lease != null) WarnIfPasswordVariablesAreLogged(RegistryAccess.Push);
                Func<LayerRecord, CancellationToken, Task<string?>>? upload = null;
                if (lease != null)
                    upload = async (record, ct) =>
                    {
                        using (lease)
                        {
                            try
                            {
                                var blob = new Descriptor { MediaType = record.MediaType, Digest = record.Digest, Size = record.Size };
                                var how = await Core.Registry.UploadAhead.PushAsync(lease.Connections, store, registry!, repository!, tags, blob, ct).ConfigureAwait(false);
                                if (how == BlobOutcome.Uploaded) Core.Registry.UploadLedger.Record(ledger, blob.Size, "ahead " + blob.Digest);
                                return how == null ? null : $"OciMsBuild: layer runtime {record.Digest} {Describe(how.Value)} {registry}/{repository} ahead of the push";
                            }
                            catch (Exception e) when (!(e is OperationCanceledException))
                            {
                                // The push tries again and reports what is wrong.
                                return "OciMsBuild: layer runtime not uploaded ahead of the push (" + e.Message + ")";
                            }
                        }
                    };
                var started = EarlyLayerPack.Start(engine, EarlyLayerPack.Key(BuildEngine.ProjectFileOfTaskNode, RuntimeIdentifier, BlobCachePath), ct =>
                {
                    // The runtime pack's files never change in place: their hashes, kept beside the layer
                    // index, spare the next new project's early pack the read.
                    var hashes = FileHashCache.Load(Path.Combine(index.Directory, RuntimePackHashFile));
                    var outcome = new SharedLayerPacker(store, index, hashes).Warm(plan, ct, threads);
                    hashes.RetainOnly(plan.Entries.Where(e => e.SourcePath != null).Select(e => e.SourcePath!).ToList());
                    hashes.Save();
                    return outcome;
                }, upload);
                if (!started) lease?.Dispose();
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: packing the runtime layer ({0} files) in the background", files.Count);
            }
            catch (Exception e)
            {
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: no early runtime layer ({0}); the image step packs it", e.Message);
            }
        }

        /// <summary>The runtime pack files a self-contained publish copies (the SDK leaves pgodata out).</summary>
        private List<PublishedFile> RuntimeFiles()
        {
            var ids = new HashSet<string>(RuntimePackIds.Where(id => !string.IsNullOrWhiteSpace(id)), StringComparer.OrdinalIgnoreCase);
            var byPath = new SortedDictionary<string, PublishedFile>(StringComparer.Ordinal);
            foreach (var asset in RuntimePackAssets)
            {
                var destination = asset.GetMetadata("DestinationSubPath");
                if (destination.Length == 0 || string.Equals(asset.GetMetadata("AssetType"), "pgodata", StringComparison.OrdinalIgnoreCase)) continue;
                if (ids.Count > 0 && !ids.Contains(asset.GetMetadata("NuGetPackageId"))) continue;
                var source = asset.GetMetadata("FullPath");
                if (!File.Exists(source)) return new List<PublishedFile>(); // not what the publish will copy: no guess
                byPath[destination.Replace('\\', '/')] = new PublishedFile(destination, source);
            }
            return byPath.Values.ToList();
        }
    }
}
