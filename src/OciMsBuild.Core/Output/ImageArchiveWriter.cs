using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// One tar holding both an OCI layout and Docker's manifest.json (the layout docker save
    /// writes since Engine 25), so docker load, podman load and skopeo's oci-archive and
    /// docker-archive transports all read it. Written to a temp file and renamed into place.
    /// </summary>
    public static class ImageArchiveWriter
    {
        private sealed class DockerManifestEntry
        {
            [JsonProperty("Config", Order = 1)] public string Config { get; set; } = "";
            [JsonProperty("RepoTags", Order = 2)] public List<string> RepoTags { get; set; } = new List<string>();
            [JsonProperty("Layers", Order = 3)] public List<string> Layers { get; set; } = new List<string>();
        }

        public const string Property = "ContainerArchiveOutputPath";

        /// <summary>
        /// The archive's bytes into <paramref name="output"/>: what `docker load` and `podman load`
        /// read (manifest.json) and what OCI tools read (index.json, oci-layout), from one stream.
        /// </summary>
        public static void WriteTo(Stream output, LayoutContent content, BuiltImage dockerImage, ImageName name, BlobStore store)
        {
            var manifestJson = Oci.OciJson.ToBytes(new[]
            {
                new DockerManifestEntry
                {
                    Config = LayoutContent.BlobPath(dockerImage.Config.Digest),
                    RepoTags = name.RepoTags.ToList(),
                    Layers = dockerImage.Layers.Select(l => LayoutContent.BlobPath(l.Digest)).ToList(),
                },
            });
            var utf8 = new UTF8Encoding(false);
            var tar = new DeterministicTarWriter(output, new DateTime(1970, 1, 1), 0, 0);
            tar.WriteDirectory("blobs/", FileModes.Directory);
            tar.WriteDirectory("blobs/sha256/", FileModes.Directory);
            foreach (var digest in content.BlobDigests)
            {
                store.Verify(digest);
                tar.WriteFile(LayoutContent.BlobPath(digest), FileModes.Regular, store.PathOf(digest));
            }
            tar.WriteBytes("index.json", FileModes.Regular, content.IndexJson);
            tar.WriteBytes("manifest.json", FileModes.Regular, manifestJson);
            tar.WriteBytes("oci-layout", FileModes.Regular, utf8.GetBytes(LayoutContent.OciLayoutFile));
            tar.Finish();
        }

        public static void Write(string path, LayoutContent content, BuiltImage dockerImage, ImageName name, BlobStore store)
        {
            path = PathComparison.Normalize(path);
            OutputOwnership.CheckArchiveFile(path, Property);
            StaleTempFiles.CleanBeside(path);
            var temp = AtomicFile.TempPathFor(path);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    WriteTo(file, content, dockerImage, name, store);
                OutputOwnership.CheckArchiveFile(path, Property); // again: the path may have changed during the copy
                AtomicFile.ReplaceWith(temp, path);
            }
            catch (Exception e) when (!(e is OciException) && !(e is OperationCanceledException))
            {
                AtomicFile.TryDelete(temp);
                throw new OciException(ErrorCodes.WriteFailed, $"Could not write the image archive {Property} '{path}': {e.Message}", e);
            }
            catch
            {
                AtomicFile.TryDelete(temp);
                throw;
            }
        }
    }
}
