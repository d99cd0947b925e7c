using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Layers
{
    /// <summary>Packs a layer plan into a gzip blob in the store in one streaming pass.</summary>
    public static class LayerPacker
    {
        /// <summary>
        /// Identity of a layer's inputs: the plan plus each source file's size and mtime. Equal
        /// fingerprints mean the packed blob would be byte-identical, so it need not be packed.
        /// </summary>
        public static string Fingerprint(LayerPlan plan)
        {
            var text = new StringBuilder(OciJson.ToText(plan));
            text.Append('\n').Append(CompressorIdentity(plan));
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

        /// <summary>What, besides the plan, decides the compressed bytes (compressor, its version, the runtime's zlib).</summary>
        public static string CompressorIdentity(LayerPlan plan) => LayerCompression.Identity(plan.Compression, plan.CompressionLevel);

        /// <summary>
        /// Packs the plan. Cancellation is observed between entries and between 64 KiB blocks of a
        /// file; the half-written blob is then deleted by the store, so nothing partial remains.
        /// </summary>
        /// <param name="alsoTo">Gets the compressed bytes too, as they are written (an upload to the registry).</param>
        /// <param name="fingerprint">The plan's fingerprint when the caller already computed it (it stats every file).</param>
        public static LayerRecord Pack(LayerPlan plan, BlobStore store, CancellationToken cancellation = default, int threads = 0, Stream? alsoTo = null,
            string? fingerprint = null)
        {
            if (threads <= 0) threads = LayerCompression.DefaultThreads;
            fingerprint ??= Fingerprint(plan);
            string diffId = "";
            long uncompressed = 0;
            var (digest, size) = store.PutStream(output =>
            {
                var target = alsoTo == null ? output : new TeeStream(output, alsoTo);
                using var compressor = LayerCompression.Open(target, plan.Compression, plan.CompressionLevel, threads, cancellation);
                using (var tarBytes = new HashingStream(compressor, leaveOpen: true))
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
                LayerCompression.Finish(compressor);
            });
            return new LayerRecord
            {
                Kind = plan.Kind,
                Fingerprint = fingerprint,
                MediaType = LayerCompression.MediaType(plan.Compression),
                Digest = digest,
                Size = size,
                DiffId = diffId,
                UncompressedSize = uncompressed,
            };
        }
    }
}
