using System;
using System.Collections.Generic;
using System.Linq;

namespace OciMsBuild.Core.Layers
{
    /// <summary>Turns a group of publish files into tar entries under the working directory.</summary>
    public static class LayerPlanBuilder
    {
        public const int DefaultCompressionLevel = Compression.LayerCompression.DefaultGzipLevel;

        public static LayerPlan Build(LayerKind kind, IEnumerable<PublishedFile> files, string workingDirectory, int uid, int gid, DateTimeOffset mtime,
            int compressionLevel = DefaultCompressionLevel, string compression = Compression.LayerCompression.Gzip)
        {
            var root = workingDirectory.Trim('/');
            var entries = new SortedDictionary<string, TarEntrySpec>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                var path = (root.Length == 0 ? "" : root + "/") + file.RelativePath.TrimStart('/');
                entries[path] = file.LinkTarget != null
                    ? new TarEntrySpec { Path = path, LinkTarget = file.LinkTarget, Mode = FileModes.Symlink }
                    : new TarEntrySpec { Path = path, SourcePath = file.SourcePath, Mode = FileModes.For(file.SourcePath) };
                // Emit every parent directory so extraction never has to invent one (with random modes).
                for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                {
                    var dir = path.Substring(0, slash + 1);
                    if (entries.ContainsKey(dir)) break;
                    entries[dir] = new TarEntrySpec { Path = dir, Mode = FileModes.Directory };
                }
            }
            return new LayerPlan
            {
                Kind = kind.Name(),
                Uid = uid,
                Gid = gid,
                MtimeUnixSeconds = mtime.ToUnixTimeSeconds(),
                CompressionLevel = compressionLevel,
                Compression = compression,
                Compressor = Compression.LayerCompression.Identity(compression, compressionLevel),
                Entries = entries.Values.ToList(),
            };
        }
    }
}
