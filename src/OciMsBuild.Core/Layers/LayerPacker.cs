using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Layers
{
    /// <summary>Packs a layer plan into a gzip blob in the store in one streaming pass.</summary>
    public static class LayerPacker
    {
        /// <summary>
        /// Names the compressor (and the version of its library) whose bytes <see cref="Pack"/> writes:
        /// part of the shared layer cache's key, so layers compressed differently are never reused for
        /// one another. Change it with the compressor. (The level is in the plan, hence in the key too.)
        /// </summary>
        public static readonly string CompressorId =
            "gzip/sharpziplib-deflater/" + typeof(ICSharpCode.SharpZipLib.Zip.Compression.Deflater).Assembly.GetName().Version;

        /// <summary>
        /// Identity of a layer's inputs: the plan plus each source file's size and mtime. Equal
        /// fingerprints mean the packed blob would be byte-identical, so it need not be packed.
        /// </summary>
        public static string Fingerprint(LayerPlan plan)
        {
            var text = new StringBuilder(OciJson.ToText(plan));
            foreach (var entry in plan.Entries)
            {
                if (entry.SourcePath == null) continue;
                var info = new FileInfo(entry.SourcePath);
                // A vanished file still gets a fingerprint; packing then reports it (OCI3014).
                if (info.Exists) text.Append('\n').Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks);
                else text.Append("\nmissing");
            }
            using var sha = SHA256.Create();
            return Digest.Format(sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString())));
        }

        /// <summary>
        /// Packs the plan. Cancellation is observed between entries and between 64 KiB blocks of a
        /// file; the half-written blob is then deleted by the store, so nothing partial remains.
        /// </summary>
        public static LayerRecord Pack(LayerPlan plan, BlobStore store, CancellationToken cancellation = default)
        {
            var fingerprint = Fingerprint(plan);
            string diffId = "";
            long uncompressed = 0;
            var (digest, size) = store.PutStream(output =>
            {
                using var gzip = new DeterministicGzipStream(output, plan.CompressionLevel);
                using (var tarBytes = new HashingStream(gzip, leaveOpen: true))
                {
                    var tar = new DeterministicTarWriter(tarBytes, DateTimeOffset.FromUnixTimeSeconds(plan.MtimeUnixSeconds).UtcDateTime, plan.Uid, plan.Gid);
                    foreach (var entry in plan.Entries)
                    {
                        cancellation.ThrowIfCancellationRequested();
                        if (entry.IsDirectory) tar.WriteDirectory(entry.Path, entry.Mode);
                        else if (entry.IsSymlink) tar.WriteSymlink(entry.Path, entry.Mode, entry.LinkTarget!);
                        else tar.WriteFile(entry.Path, entry.Mode, entry.SourcePath!, cancellation);
                    }
                    tar.Finish();
                    diffId = tarBytes.FinishDigest();
                    uncompressed = tarBytes.ByteCount;
                }
                gzip.Finish();
            });
            return new LayerRecord
            {
                Kind = plan.Kind,
                Fingerprint = fingerprint,
                MediaType = MediaTypes.OciLayerGzip,
                Digest = digest,
                Size = size,
                DiffId = diffId,
                UncompressedSize = uncompressed,
            };
        }
    }
}
