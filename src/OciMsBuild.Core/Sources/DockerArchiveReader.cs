using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Sources
{
    /// <summary>Reads a base out of an unpacked 'docker save' archive through its manifest.json.</summary>
    public sealed class DockerArchiveReader
    {
        private sealed class Entry
        {
            [JsonProperty("Config")] public string Config { get; set; } = "";
            [JsonProperty("RepoTags")] public List<string>? RepoTags { get; set; }
            [JsonProperty("Layers")] public List<string> Layers { get; set; } = new List<string>();
        }

        private readonly string _dir;
        private readonly string _displayName;
        private readonly BlobStore _store;

        public DockerArchiveReader(string unpackedDirectory, string displayName, BlobStore store)
        {
            _dir = unpackedDirectory;
            _displayName = displayName;
            _store = store;
        }

        public BaseImage Read(string? tag, Platform platform)
        {
            var manifestPath = Path.Combine(_dir, "manifest.json");
            if (!File.Exists(manifestPath))
                throw new OciException(ErrorCodes.InvalidBaseContent,
                    $"ContainerBaseImage '{_displayName}' is not a docker-save archive (no manifest.json). For an OCI archive use oci-archive://.");
            var entries = JsonConvert.DeserializeObject<List<Entry>>(File.ReadAllText(manifestPath)) ?? new List<Entry>();
            if (entries.Count == 0)
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{_displayName}': manifest.json lists no image.");
            var entry = entries[0];
            if (tag != null)
            {
                entry = entries.FirstOrDefault(e => e.RepoTags != null && e.RepoTags.Any(t => t == tag || t.EndsWith("/" + tag)))
                    ?? throw new OciException(ErrorCodes.BaseTagNotFound,
                        $"ContainerBaseImage '{_displayName}': the archive has no image tagged '{tag}'. Tags there: {string.Join(", ", entries.SelectMany(e => e.RepoTags ?? new List<string>()))}.");
            }

            var configBytes = File.ReadAllBytes(PathIn(entry.Config));
            var config = OciJson.ParseObject(configBytes);
            PlatformSelector.Check(LayoutImageReader.PlatformOf(config), platform, _displayName);
            var configDescriptor = _store.Put(configBytes, MediaTypes.OciConfig);

            var layers = entry.Layers.Select(l => BaseLayerImporter.Import(_store, PathIn(l), null, _displayName)).ToList();
            return new BaseImage { Name = _displayName, ManifestDigest = null, Config = config, Layers = layers };
        }

        private string PathIn(string relative)
        {
            var path = Path.GetFullPath(Path.Combine(_dir, relative));
            if (!File.Exists(path))
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{_displayName}': '{relative}' named by manifest.json is missing from the archive.");
            return path;
        }
    }
}
