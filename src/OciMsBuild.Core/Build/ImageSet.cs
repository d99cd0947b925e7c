using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Build
{
    /// <summary>
    /// What a build produced: one platform's image (the root is its manifest) or several under an
    /// image index (the root is the index). Outputs and pushes work on this, whatever the count.
    /// </summary>
    public sealed class ImageSet
    {
        [JsonProperty("format", Order = 1)] public string Format { get; set; } = "OCI";
        /// <summary>The manifest of a single image, or the image index over <see cref="Images"/>.</summary>
        [JsonProperty("root", Order = 2)] public Descriptor Root { get; set; } = new Descriptor();
        [JsonProperty("images", Order = 3)] public List<BuiltImage> Images { get; set; } = new List<BuiltImage>();

        [JsonIgnore] public bool IsIndex => MediaTypes.IsIndex(Root.MediaType);

        public static ImageSet Single(BuiltImage image) => new ImageSet
        {
            Format = image.Format,
            Root = image.Manifest,
            Images = new List<BuiltImage> { image },
        };

        /// <summary>Every blob the set needs, each once: manifests, configs and layers shared between platforms.</summary>
        public IEnumerable<Descriptor> DistinctBlobs() =>
            Images.SelectMany(i => new[] { i.Manifest, i.Config }.Concat(i.Layers))
                .GroupBy(d => d.Digest, StringComparer.Ordinal).Select(g => g.First());

        /// <summary>Reads a record written by the build step: an image set, or one image (image.json of a single-platform build).</summary>
        public static ImageSet Load(string path)
        {
            JObject json;
            try { json = OciJson.ParseObject(File.ReadAllBytes(path)); }
            catch (Exception e) when (e is IOException || e is JsonException)
            {
                throw new OciException(ErrorCodes.BlobCorrupt, $"The image record '{path}' cannot be read ({e.Message}); build again.", e);
            }
            var serializer = JsonSerializer.Create(OciJson.Settings);
            return json.ContainsKey("images") ? json.ToObject<ImageSet>(serializer)! : Single(json.ToObject<BuiltImage>(serializer)!);
        }
    }
}
