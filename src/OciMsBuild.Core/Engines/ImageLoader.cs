using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.Engines
{
    public sealed class LoadReport
    {
        public BuiltImage Image { get; set; } = new BuiltImage();
        /// <summary>True: the engine already had this image under every tag; nothing was sent.</summary>
        public bool AlreadyLoaded { get; set; }
        public long BytesSent { get; set; }
        public int LayersSent { get; set; }
        public int LayersSkipped { get; set; }
    }

    /// <summary>
    /// ContainerLoad: puts one platform's image into the local docker or podman under every tag.
    /// Docker (moby) does not read the file of a layer whose chain it already has, so the archive
    /// sent to it leaves out the leading layers the previous image of the same name shares (the
    /// base, the runtime, the packages): a rebuild after an edit sends little more than the app layer.
    /// Podman reads every layer of a docker-archive, so it always gets them all.
    /// </summary>
    public static class ImageLoader
    {
        public const string Property = "ContainerLoad";

        public static LoadReport Load(ContainerEngine engine, ImageSet set, ImageName name, string? wantedPlatform, BlobStore store, CancellationToken ct)
        {
            var image = ChoosePlatform(engine, set, wantedPlatform, ct);
            var report = new LoadReport { Image = image };
            var tags = name.RepoTags.ToList();
            var present = tags.Select(t => engine.Inspect(t, ct)).ToList();
            if (present.All(p => p != null && p.Value.Id == image.Config.Digest))
            {
                report.AlreadyLoaded = true;
                return report;
            }
            var skip = engine.Name == ContainerEngine.Docker ? SharedPrefix(present, DiffIds(image, store)) : 0;
            LoadResult loaded;
            try { loaded = Send(engine, image, name, store, skip, ct); }
            catch (Errors.OciException) when (skip > 0)
            {
                // An engine that does read every layer file (docker with the containerd image store): send them all.
                skip = 0;
                loaded = Send(engine, image, name, store, 0, ct);
            }
            report.BytesSent = loaded.BytesSent;
            report.LayersSkipped = skip;
            report.LayersSent = image.Layers.Count - skip;
            return report;
        }

        private static LoadResult Send(ContainerEngine engine, BuiltImage image, ImageName name, BlobStore store, int skip, CancellationToken ct)
        {
            var content = LayoutContent.For(image, name);
            foreach (var layer in image.Layers.Take(skip)) content.BlobDigests.Remove(layer.Digest);
            // A layer digest can appear again later in the image (rare): keep it when it does.
            foreach (var layer in image.Layers.Skip(skip)) content.BlobDigests.Add(layer.Digest);
            return engine.Load(stream => ImageArchiveWriter.WriteTo(stream, content, image, name, store), ct);
        }

        /// <summary>ContainerArchivePlatform when set; else the engine's own architecture; else the building machine's.</summary>
        private static BuiltImage ChoosePlatform(ContainerEngine engine, ImageSet set, string? wanted, CancellationToken ct)
        {
            if (set.Images.Count == 1 || !string.IsNullOrWhiteSpace(wanted)) return ArchivePlatform.Choose(set, wanted);
            var arch = engine.Architecture(ct);
            var match = arch == null ? null : set.Images.FirstOrDefault(i => i.Platform.Architecture == Emulation.Normalise(arch));
            return match ?? ArchivePlatform.Choose(set, null);
        }

        private static IReadOnlyList<string> DiffIds(BuiltImage image, BlobStore store)
        {
            var config = Newtonsoft.Json.Linq.JObject.Parse(System.Text.Encoding.UTF8.GetString(store.ReadVerified(image.Config.Digest)));
            return (config["rootfs"]?["diff_ids"] as Newtonsoft.Json.Linq.JArray)?.Select(v => (string)v!).ToList() ?? new List<string>();
        }

        /// <summary>How many leading layers the engine certainly has: the longest diff-ID prefix shared with an image it holds.</summary>
        private static int SharedPrefix(IEnumerable<(string Id, IReadOnlyList<string> DiffIds)?> present, IReadOnlyList<string> wanted)
        {
            int best = 0;
            foreach (var p in present.Where(p => p != null))
            {
                int n = 0;
                while (n < wanted.Count && n < p!.Value.DiffIds.Count && p.Value.DiffIds[n] == wanted[n]) n++;
                best = Math.Max(best, n);
            }
            return best;
        }
    }
}
