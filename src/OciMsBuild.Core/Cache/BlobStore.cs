using System;
using System.IO;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// Content-addressed blobs under ROOT/blobs/sha256/HEX. A blob becomes visible only by an
    /// atomic rename after its digest was checked, so readers never see a partial blob. A failed
    /// or cancelled write deletes its temp file; one left by a killed build is removed by a later
    /// build when it opens the store (<see cref="StaleTempFiles"/>).
    /// </summary>
    public sealed class BlobStore
    {
        public BlobStore(string root)
        {
            Root = Path.GetFullPath(root);
            BlobDirectory = Path.Combine(Root, "blobs", "sha256");
            TempDirectory = Path.Combine(Root, "tmp");
            StaleTempFiles.CleanBlobStoreTemp(TempDirectory);
        }

        public string Root { get; }
        public string BlobDirectory { get; }
        private string TempDirectory { get; }

        public string PathOf(string digest) => Path.Combine(BlobDirectory, Digest.Hex(digest));

        public bool Contains(string digest) => File.Exists(PathOf(digest));

        /// <summary>Stores bytes, returns the descriptor (mediaType filled by the caller).</summary>
        public Descriptor Put(byte[] bytes, string mediaType)
        {
            var digest = Digest.Of(bytes);
            if (!Contains(digest))
            {
                var temp = NewTempFile();
                try
                {
                    using (var file = new StoreWriteStream(temp, Root, "storing blob " + digest)) file.Write(bytes, 0, bytes.Length);
                    Publish(temp, digest);
                }
                finally { TryDelete(temp); }
            }
            return new Descriptor { MediaType = mediaType, Digest = digest, Size = bytes.Length };
        }

        /// <summary>
        /// Streams a blob in through <paramref name="write"/>, hashing as it goes. When
        /// <paramref name="expectedDigest"/> is given, a mismatch is an error and nothing is stored.
        /// </summary>
        public (string Digest, long Size) PutStream(Action<Stream> write, string? expectedDigest = null)
        {
            var temp = NewTempFile();
            try
            {
                string digest;
                long size;
                using (var file = new StoreWriteStream(temp, Root, "storing a blob"))
                using (var hashing = new HashingStream(file, leaveOpen: true))
                {
                    write(hashing);
                    hashing.Flush();
                    digest = hashing.FinishDigest();
                    size = hashing.ByteCount;
                }
                if (expectedDigest != null && expectedDigest != digest)
                    throw new OciException(ErrorCodes.BlobCorrupt,
                        $"Blob content does not match its digest: expected {expectedDigest}, got {digest}. The source is damaged or was changed while being read.");
                if (!Contains(digest)) Publish(temp, digest);
                return (digest, size);
            }
            finally { TryDelete(temp); }
        }

        /// <summary>Imports an existing file, verifying it has the digest it claims.</summary>
        public void ImportFile(string path, string expectedDigest)
        {
            if (Contains(expectedDigest)) return;
            PutStream(s => { using var src = File.OpenRead(path); src.CopyTo(s, 1 << 16); }, expectedDigest);
        }

        /// <summary>Opens a blob for reading after re-checking its digest (guards against a damaged cache).</summary>
        public byte[] ReadVerified(string digest)
        {
            var path = PathOf(digest);
            if (!File.Exists(path))
                throw new OciException(ErrorCodes.BlobCorrupt, $"Blob {digest} is missing from the blob store at {Root}; build again to recreate it (the build rebuilds what the cache lost).");
            var bytes = File.ReadAllBytes(path);
            var actual = Digest.Of(bytes);
            if (actual != digest)
            {
                TryDelete(path);
                throw new OciException(ErrorCodes.BlobCorrupt,
                    $"Blob {digest} in the blob store at {Root} is damaged (its content hashes to {actual}); it was removed; build again to recreate it (the build rebuilds what the cache lost).");
            }
            return bytes;
        }

        /// <summary>Checks a (possibly large) blob file against its digest without loading it.</summary>
        public void Verify(string digest)
        {
            var path = PathOf(digest);
            if (!File.Exists(path))
                throw new OciException(ErrorCodes.BlobCorrupt, $"Blob {digest} is missing from the blob store at {Root}; build again to recreate it (the build rebuilds what the cache lost).");
            var actual = Digest.OfFile(path);
            if (actual != digest)
            {
                TryDelete(path);
                throw new OciException(ErrorCodes.BlobCorrupt,
                    $"Blob {digest} in the blob store at {Root} is damaged (its content hashes to {actual}); it was removed; build again to recreate it (the build rebuilds what the cache lost).");
            }
        }

        /// <summary>
        /// Deletes a blob file found damaged (its content does not hash to its name): the store never
        /// overwrites a blob that exists, so it would never be repaired. Already gone is fine.
        /// </summary>
        public void RemoveDamaged(string blobPath)
        {
            try { File.Delete(blobPath); }
            catch (Exception e) when (e is DirectoryNotFoundException) { }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OciException(ErrorCodes.BlobCacheUnusable,
                    $"The damaged blob '{blobPath}' cannot be removed from the blob store at '{Root}' (ContainerBlobCachePath): {e.Message}. Make the store writable, delete that file, or set ContainerBlobCachePath to another directory.", e);
            }
        }

        /// <summary>A new temp file name in tmp/ ("HEX.tmp": removed by the stale-temp cleanup if a killed build leaves it).</summary>
        internal string NewTempFile()
        {
            try { Directory.CreateDirectory(TempDirectory); }
            catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e)) { throw BlobStoreFailures.Translate(e, Root, "creating " + TempDirectory); }
            return Path.Combine(TempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
        }

        private void Publish(string temp, string digest)
        {
            var target = PathOf(digest);
            try
            {
                Directory.CreateDirectory(BlobDirectory);
                File.Move(temp, target);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another build stored the same content first: identical bytes, nothing to do.
            }
            catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e))
            {
                throw BlobStoreFailures.Translate(e, Root, "storing blob " + digest);
            }
        }

        private static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
