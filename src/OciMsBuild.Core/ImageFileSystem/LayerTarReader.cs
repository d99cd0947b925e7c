using System;
using System.IO;
using System.IO.Compression;
using ICSharpCode.SharpZipLib.Tar;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.ImageFileSystem
{
    /// <summary>
    /// Opens one layer blob of the store as a tar stream, decompressed by its media type, and walks
    /// its entries: nothing is unpacked to disk.
    /// </summary>
    internal static class LayerTarReader
    {
        public static Stream OpenDecompressed(string blobPath, string mediaType)
        {
            var file = new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            try
            {
                if (MediaTypes.IsGzipLayer(mediaType)) return new GZipStream(file, CompressionMode.Decompress);
                if (mediaType == MediaTypes.OciLayerZstd) return new ZstdSharp.DecompressionStream(file);
                if (mediaType == MediaTypes.OciLayerTar || mediaType == "application/vnd.docker.image.rootfs.diff.tar") return file;
            }
            catch
            {
                file.Dispose();
                throw;
            }
            file.Dispose();
            throw new OciException(ErrorCodes.InvalidBaseContent, $"The layer {System.IO.Path.GetFileName(blobPath)} has the media type '{mediaType}', which OciMsBuild cannot read: only tar, tar+gzip and tar+zstd layers.");
        }

        /// <summary>Calls <paramref name="visit"/> for every entry; it may read the entry's bytes from the tar stream it is given.</summary>
        public static void Walk(string blobPath, string mediaType, Func<TarEntry, TarInputStream, bool> visit)
        {
            using var stream = OpenDecompressed(blobPath, mediaType);
            using var tar = new TarInputStream(stream, System.Text.Encoding.UTF8) { IsStreamOwner = false };
            TarEntry? entry;
            while ((entry = tar.GetNextEntry()) != null)
                if (!visit(entry, tar)) return;
        }

        /// <summary>"./app/x/" → "/app/x"; "", "." and "./" → "/"; "." and ".." segments resolved (never above the root).</summary>
        public static string Normalise(string name)
        {
            var parts = new System.Collections.Generic.List<string>();
            foreach (var part in name.Replace('\\', '/').Split('/'))
            {
                if (part.Length == 0 || part == ".") continue;
                if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
                parts.Add(part);
            }
            return "/" + string.Join("/", parts);
        }
    }
}
