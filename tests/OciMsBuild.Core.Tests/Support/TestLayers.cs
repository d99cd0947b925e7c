using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Text;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Tests.Support
{
    /// <summary>Layer tarballs written with .NET's own tar writer (PAX headers), for reading back with ours.</summary>
    public sealed class TestLayers
    {
        private readonly TempDir _dir;
        private readonly List<(string, string)> _layers = new List<(string, string)>();

        public TestLayers(TempDir dir) => _dir = dir;

        public IReadOnlyList<(string BlobPath, string MediaType)> Layers => _layers;

        /// <summary>Adds a layer built by <paramref name="fill"/>; gzip-compressed when <paramref name="gzip"/>.</summary>
        public TestLayers Add(Action<LayerBuilder> fill, bool gzip = false)
        {
            var path = _dir.Combine($"layer{_layers.Count}.tar" + (gzip ? ".gz" : ""));
            using (var file = File.Create(path))
            using (Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file)
            using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
                fill(new LayerBuilder(tar));
            _layers.Add((path, gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayerTar));
            return this;
        }

        public sealed class LayerBuilder
        {
            private readonly TarWriter _tar;
            internal LayerBuilder(TarWriter tar) => _tar = tar;

            public LayerBuilder Dir(string name, int mode = 0x1ED, int uid = 0, int gid = 0) =>
                Write(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid });

            public LayerBuilder File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0) =>
                Write(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Mode = (UnixFileMode)mode, Uid = uid, Gid = gid,
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                });

            public LayerBuilder Symlink(string name, string target) =>
                Write(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1FF });

            public LayerBuilder HardLink(string name, string target) =>
                Write(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, Mode = (UnixFileMode)0x1A4 });

            public LayerBuilder Whiteout(string path)
            {
                var slash = path.LastIndexOf('/');
                return File(path.Substring(0, slash + 1) + ".wh." + path.Substring(slash + 1), "");
            }

            public LayerBuilder Opaque(string dir) => File(dir.TrimEnd('/') + "/.wh..wh..opq", "");

            private LayerBuilder Write(TarEntry entry)
            {
                _tar.WriteEntry(entry);
                return this;
            }
        }
    }
}
