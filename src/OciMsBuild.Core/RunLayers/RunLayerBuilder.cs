using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Engines;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.ImageFileSystem;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Core.RunLayers
{
    public sealed class RunLayerRequest
    {
        public BaseImage Base { get; set; } = new BaseImage();
        public Platform Platform { get; set; } = new Platform();
        public IReadOnlyList<RunCommand> Commands { get; set; } = Array.Empty<RunCommand>();
        /// <summary>ContainerRunNetwork: off unless asked for (host network then).</summary>
        public bool Network { get; set; }
        public string Compression { get; set; } = LayerCompression.Gzip;
        public int CompressionLevel { get; set; } = LayerCompression.DefaultGzipLevel;
        public long MtimeSeconds { get; set; }
        /// <summary>Scratch space for the input files and the changed files' bytes; emptied afterwards.</summary>
        public string WorkDirectory { get; set; } = "";
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);
    }

    public sealed class RunLayerResult
    {
        public RunLayerResult(LayerRecord layer, bool reused, int changes, string output)
        {
            Layer = layer;
            Reused = reused;
            Changes = changes;
            Output = output;
        }

        public LayerRecord Layer { get; }
        /// <summary>True: the cache had the layer for this key; nothing ran.</summary>
        public bool Reused { get; }
        public int Changes { get; }
        public string Output { get; }
    }

    /// <summary>
    /// ContainerRunCommand: runs the commands, in order, in one container of the base image (through
    /// docker or podman), and turns what they changed into one layer. The layer is cached in the blob
    /// store by <see cref="RunLayerKey"/>: with the same base, platform, commands and inputs nothing
    /// runs again.
    /// </summary>
    public static class RunLayerBuilder
    {
        public const string InputsPath = "/ocimsbuild/inputs";

        public static string BaseDigest(BaseImage baseImage) =>
            baseImage.ManifestDigest ?? Digest.Of(Encoding.UTF8.GetBytes(baseImage.Config.ToString(Newtonsoft.Json.Formatting.None)));

        public static string Key(RunLayerRequest request) =>
            RunLayerKey.Compute(BaseDigest(request.Base), request.Platform, request.Commands, request.Network,
                LayerCompression.Identity(request.Compression, request.CompressionLevel), request.MtimeSeconds);

        /// <summary>The layer built before for this key, when its blob is still in the store.</summary>
        public static LayerRecord? TryReuse(BlobStore store, string key)
        {
            var file = CacheFile(store, key);
            if (!File.Exists(file)) return null;
            try
            {
                var record = OciJson.Parse<LayerRecord>(File.ReadAllText(file));
                return record != null && record.Fingerprint == key && store.Contains(record.Digest) ? record : null;
            }
            catch (Exception e) when (e is IOException || e is Newtonsoft.Json.JsonException) { return null; }
        }

        public static RunLayerResult Build(Func<ContainerEngine> engineFactory, BlobStore store, RunLayerRequest request, Action<string> log, CancellationToken ct = default)
        {
            var key = Key(request);
            if (TryReuse(store, key) is LayerRecord cached) return new RunLayerResult(cached, true, 0, "");

            var engine = engineFactory();
            if (Emulation.WhyCannotRun(request.Platform.Architecture, engine.Architecture(ct)) is string why)
                throw new OciException(ErrorCodes.RunCommandFailed, $"ContainerRunCommand cannot run for {request.Platform}: {why}. Register QEMU for it in binfmt_misc, or build this platform on a machine of its architecture.");
            var baseFs = MergedFileSystem.Read(store, request.Base.Layers, ct);
            Directory.CreateDirectory(request.WorkDirectory);
            var inputs = Path.Combine(request.WorkDirectory, "inputs");
            var spool = Path.Combine(request.WorkDirectory, "changes");
            try
            {
                StageInputs(request.Commands, inputs);
                var baseName = new ImageName(null, "ocimsbuild-run-base", new[] { Digest.Hex(key).Substring(0, 16) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8) });
                var reference = baseName.RepoTags.First();
                var container = "ocimsbuild-run-" + Guid.NewGuid().ToString("N").Substring(0, 12);
                try
                {
                    reference = LoadBase(engine, store, request, baseName, ct);
                    log($"OciMsBuild: running {request.Commands.Count} ContainerRunCommand(s) for {request.Platform} in {engine.Describe()}");
                    var run = engine.Run(new RunRequest
                    {
                        Image = reference,
                        Entrypoint = new[] { "/bin/sh" },
                        Args = new List<string> { "-c", Script(request.Commands.Count) },
                        Environment = Commands(request.Commands),
                        User = "0",
                        Network = request.Network,
                        Name = container,
                        Keep = true,
                        Platform = Emulation.Normalise(engine.Architecture(ct) ?? request.Platform.Architecture) == request.Platform.Architecture ? null : request.Platform.ToString(),
                        Mounts = new List<(string, string, bool)> { (inputs, InputsPath, true) },
                        Timeout = request.Timeout,
                    }, ct);
                    var output = (run.Stdout + run.Stderr).TrimEnd();
                    if (run.TimedOut || run.ExitCode != 0) throw Failed(request, run, output);
                    var touched = new HashSet<string>(engine.Diff(container, ct).Where(d => d.Kind != 'D').Select(d => LayerTarReader.Normalise(d.Path)), StringComparer.Ordinal);
                    IReadOnlyList<FileChange> changes = Array.Empty<FileChange>();
                    engine.Export(container, tar => changes = ContainerChanges.Compare(baseFs, tar, spool, touched), ct);
                    var layer = RunLayerWriter.Write(changes, store, request.Compression, request.CompressionLevel, request.MtimeSeconds, key, ct);
                    var cache = CacheFile(store, key);
                    Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
                    AtomicFile.WriteAllText(cache, OciJson.ToText(layer));
                    return new RunLayerResult(layer, false, changes.Count, output);
                }
                finally
                {
                    // Best effort: a failing clean-up must not hide the build's own error.
                    TryClean(() => engine.RemoveContainer(container, CancellationToken.None));
                    TryClean(() => engine.RemoveImage(reference, CancellationToken.None));
                    if (reference != baseName.RepoTags.First()) TryClean(() => engine.RemoveImage(baseName.RepoTags.First(), CancellationToken.None));
                }
            }
            finally
            {
                TryDelete(inputs);
                TryDelete(spool);
            }
        }

        private static void TryClean(Action clean)
        {
            try { clean(); }
            catch (OciException) { }
        }

        private static string CacheFile(BlobStore store, string key) => Path.Combine(store.Root, "run-layers", Digest.Hex(key) + ".json");

        /// <summary>Each command through its own `sh -c`, stopping at the first that fails and saying which.</summary>
        private static string Script(int count)
        {
            var script = new StringBuilder();
            for (int i = 1; i <= count; i++)
                script.Append($"/bin/sh -c \"$OCIMSBUILD_RUN_{i}\" || {{ rc=$?; echo \"ocimsbuild: command {i} exited with $rc\" >&2; exit $rc; }}\n");
            return script.ToString();
        }

        private static IDictionary<string, string> Commands(IReadOnlyList<RunCommand> commands)
        {
            var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["OCIMSBUILD_INPUTS"] = InputsPath };
            for (int i = 0; i < commands.Count; i++) env["OCIMSBUILD_RUN_" + (i + 1)] = commands[i].Command;
            return env;
        }

        private static OciException Failed(RunLayerRequest request, RunResult run, string output)
        {
            // The last marker: the commands' own output could contain text like it.
            var markers = System.Text.RegularExpressions.Regex.Matches(run.Stderr, @"ocimsbuild: command (\d+) exited with (\d+)");
            var which = markers.Count > 0 && int.TryParse(markers[markers.Count - 1].Groups[1].Value, out var n) && n >= 1 && n <= request.Commands.Count ? n : 0;
            var what = which > 0 ? $"ContainerRunCommand '{request.Commands[which - 1].Command}' (number {which} of {request.Commands.Count})" : "ContainerRunCommand";
            var how = run.TimedOut ? $"did not finish within {request.Timeout.TotalMinutes:0} minutes" : $"exited with {run.ExitCode}";
            var tail = output.Length <= 3000 ? output : "…" + output.Substring(output.Length - 3000);
            return new OciException(ErrorCodes.RunCommandFailed, $"{what} {how} for {request.Platform}; nothing was added to the image. Its output ended with:\n{tail}");
        }

        private static void StageInputs(IReadOnlyList<RunCommand> commands, string inputs)
        {
            TryDelete(inputs);
            Directory.CreateDirectory(inputs);
            foreach (var file in commands.SelectMany(c => c.InputFiles))
                File.Copy(file, Path.Combine(inputs, Path.GetFileName(file)), overwrite: true);
        }

        /// <summary>The base image, loaded under a name of its own for this one run.</summary>
        private static string LoadBase(ContainerEngine engine, BlobStore store, RunLayerRequest request, ImageName name, CancellationToken ct)
        {
            var format = ImageFormat.Oci;
            var config = store.Put(Encoding.UTF8.GetBytes(request.Base.Config.ToString(Newtonsoft.Json.Formatting.None)), format.ConfigType());
            var manifest = store.Put(OciJson.ToBytes(new ImageManifest { MediaType = MediaTypes.OciManifest, Config = config, Layers = request.Base.Layers.ToList() }), MediaTypes.OciManifest);
            var image = new BuiltImage { Platform = request.Platform, Manifest = manifest, Config = config, Layers = request.Base.Layers.ToList() };
            var loaded = engine.Load(stream => ImageArchiveWriter.WriteTo(stream, LayoutContent.For(image, name), image, name, store), ct);
            return loaded.LoadedImages.FirstOrDefault(n => n.Contains(name.Repository + ":")) ?? name.RepoTags.First();
        }

        private static void TryDelete(string directory)
        {
            try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
