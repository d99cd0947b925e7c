using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Engines;
using OciMsBuild.Core.ImageFileSystem;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>How command tests may run, from the ContainerStructureTest* properties.</summary>
    public sealed class CommandTestSettings
    {
        /// <summary>ContainerStructureTestEngine: auto (default), docker or podman.</summary>
        public string? Engine { get; set; }
        /// <summary>ContainerStructureTestSkipCommands: report command tests as skipped instead of running them.</summary>
        public bool Skip { get; set; }
        public IReadOnlyDictionary<string, string?>? Environment { get; set; }
    }

    /// <summary>
    /// Runs every structure test file on every platform of the built image: the static tests on the
    /// image's own layers and config, the command tests in a docker or podman the image is loaded
    /// into (under a throw-away name, removed afterwards).
    /// </summary>
    public static class ImageTestSuite
    {
        public const string EngineProperty = "ContainerStructureTestEngine";
        public const string SkipProperty = "ContainerStructureTestSkipCommands";

        public static IReadOnlyList<TestResult> Run(ImageSet set, BlobStore store, IReadOnlyList<StructureTestFile> files, CommandTestSettings settings,
            Action<string> log, CancellationToken ct = default)
        {
            var results = new List<TestResult>();
            bool anyStatic = files.Any(HasStaticTests);
            bool anyCommands = files.Any(f => f.CommandTests?.Count > 0);
            ContainerEngine? engine = null;
            if (anyCommands && !settings.Skip)
            {
                engine = ContainerEngine.Find(settings.Engine, EngineProperty, settings.Environment, ct);
                log($"OciMsBuild: command tests run in {engine.Describe()}");
            }
            string? engineArchitecture = engine?.Architecture(ct);
            foreach (var image in set.Images)
            {
                ct.ThrowIfCancellationRequested();
                var platform = image.Platform.ToString();
                var metadata = ImageMetadata.FromConfigJson(store.ReadVerified(image.Config.Digest));
                if (anyStatic)
                {
                    var fs = MergedFileSystem.Read(store, image.Layers, ct);
                    var runner = new StaticTestRunner(fs, metadata, platform);
                    foreach (var file in files.Where(HasStaticTests)) results.AddRange(runner.Run(file, ct));
                }
                if (!anyCommands) continue;
                var commandFiles = files.Where(f => f.CommandTests?.Count > 0).ToList();
                string? skip = settings.Skip ? $"{SkipProperty}=true"
                    : Emulation.WhyCannotRun(image.Platform.Architecture, engineArchitecture) is string why ? $"{platform} cannot run here: {why}" : null;
                if (skip != null)
                {
                    foreach (var file in commandFiles)
                        foreach (var t in file.CommandTests!)
                        {
                            var skipped = new TestResult(file.Source, platform, CommandTestRunner.CommandTestKind, t.Name!);
                            skipped.Skip(skip);
                            results.Add(skipped);
                        }
                    continue;
                }
                var reference = LoadForTests(engine!, image, store, ct);
                try
                {
                    // A foreign platform is named, so the engine neither refuses nor warns about it on stderr.
                    var runPlatform = Emulation.Normalise(engineArchitecture ?? image.Platform.Architecture) == image.Platform.Architecture ? null : platform;
                    var runner = new CommandTestRunner(engine!, reference, metadata, platform, runPlatform);
                    foreach (var file in commandFiles) results.AddRange(runner.Run(file, ct));
                }
                finally
                {
                    engine!.RemoveImage(reference, CancellationToken.None);
                }
            }
            return results;
        }

        private static bool HasStaticTests(StructureTestFile f) =>
            f.FileExistenceTests?.Count > 0 || f.FileContentTests?.Count > 0 || f.LicenseTests?.Count > 0 || f.MetadataTest != null;

        /// <summary>Loads one platform's image under a name of its own (never the user's tags: testing must not replace their image).</summary>
        private static string LoadForTests(ContainerEngine engine, BuiltImage image, BlobStore store, CancellationToken ct)
        {
            // Unique per run: two builds of the same image on one engine must not remove each other's copy.
            var tag = image.Manifest.Digest.Replace("sha256:", "").Substring(0, 16) + "-" + image.Platform.Architecture + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            var name = new ImageName(null, "ocimsbuild-structure-test", new[] { tag });
            var content = LayoutContent.For(image, name);
            var loaded = engine.Load(stream => ImageArchiveWriter.WriteTo(stream, content, image, name, store), ct);
            // podman names it localhost/…: use the name the engine reports when it gives one.
            return loaded.LoadedImages.FirstOrDefault(n => n.Contains(name.Repository + ":" + tag)) ?? name.RepoTags.First();
        }
    }
}
