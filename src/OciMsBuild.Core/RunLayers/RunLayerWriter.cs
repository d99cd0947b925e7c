using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.ImageFileSystem;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.RunLayers
{
    /// <summary>
    /// The run's changes as one deterministic layer, like ours: sorted paths, one timestamp, no
    /// user or group names, owners and modes as the commands left them, a whiteout per deletion.
    /// </summary>
    public static class RunLayerWriter
    {
        public const string Kind = "run";
        private const string WhiteoutPrefix = ".wh.";

        public static LayerRecord Write(IReadOnlyList<FileChange> changes, BlobStore store, string compression, int level, long mtimeSeconds, string key,
            CancellationToken ct = default)
        {
            string diffId = "";
            long uncompressed = 0;
            var (digest, size) = store.PutStream(output =>
            {
                using var compressor = LayerCompression.Open(output, compression, level, LayerCompression.DefaultThreads, ct);
                using (var tarBytes = new HashingStream(compressor, leaveOpen: true))
                {
                    var tar = new DeterministicTarWriter(tarBytes, DateTimeOffset.FromUnixTimeSeconds(mtimeSeconds).UtcDateTime, 0, 0);
                    // Sorted by the names as written (a whiteout's too): a folder ("a/") still comes before what it holds.
                    foreach (var (name, change) in changes.Select(c => (EntryName(c), c)).OrderBy(e => e.Item1, StringComparer.Ordinal))
                    {
                        ct.ThrowIfCancellationRequested();
                        tar.SetOwner(change.Deleted ? 0 : change.Uid, change.Deleted ? 0 : change.Gid);
                        if (change.Deleted) tar.WriteBytes(name, FileModes.Regular, Array.Empty<byte>());
                        else if (change.Type == EntryType.Directory) tar.WriteDirectory(name, change.Mode);
                        else if (change.Type == EntryType.Symlink) tar.WriteSymlink(name, change.Mode, change.LinkTarget ?? "");
                        else tar.WriteFile(name, change.Mode, change.SpoolPath!, ct);
                    }
                    tar.Finish();
                    diffId = tarBytes.FinishDigest();
                    uncompressed = tarBytes.ByteCount;
                }
                LayerCompression.Finish(compressor);
            });
            return Record(key, compression, digest, size, diffId, uncompressed);
        }

        /// <summary>The entry's name in the tar: no leading slash, folders end in '/', a deletion is its whiteout.</summary>
        private static string EntryName(FileChange change)
        {
            var name = change.Path.Substring(1);
            if (change.Deleted)
            {
                int slash = name.LastIndexOf('/');
                return name.Substring(0, slash + 1) + WhiteoutPrefix + name.Substring(slash + 1);
            }
            return change.Type == EntryType.Directory ? name + "/" : name;
        }

        private static LayerRecord Record(string key, string compression, string digest, long size, string diffId, long uncompressed)
        {
            return new LayerRecord
            {
                Kind = Kind,
                Fingerprint = key,
                MediaType = LayerCompression.MediaType(compression),
                Digest = digest,
                Size = size,
                DiffId = diffId,
                UncompressedSize = uncompressed,
            };
        }
    }
}
