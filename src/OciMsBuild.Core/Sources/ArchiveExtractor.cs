using System;
using System.IO;
using ICSharpCode.SharpZipLib.Tar;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Sources
{
    /// <summary>
    /// Unpacks an image archive (regular files only, no path escapes) into a temp directory.
    /// Every message names the archive the user gave, never the temp directory.
    /// </summary>
    public static class ArchiveExtractor
    {
        public static string ExtractToTemp(string archivePath, string tempRoot, string baseName)
        {
            if (Directory.Exists(archivePath))
                throw new OciException(ErrorCodes.InvalidBaseImage,
                    $"ContainerBaseImage '{baseName}': '{archivePath}' is a directory, not an archive file. For a directory holding an OCI image layout (index.json, blobs/) use oci-layout://{archivePath}[:TAG] instead.");
            if (!File.Exists(archivePath))
                throw new OciException(ErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseName}': the archive '{archivePath}' does not exist.");
            var dir = Path.Combine(tempRoot, "extract-" + Guid.NewGuid().ToString("N"));
            CreateUnder(dir, tempRoot, archivePath);
            // The tar reader zero-fills a cut-off archive instead of failing, so count the bytes
            // each entry needs (its header and data blocks; a lower bound, as extended headers
            // are not seen) against the file's length.
            long needed = 0, length = new FileInfo(archivePath).Length;
            try
            {
                using var file = File.OpenRead(archivePath);
                using var tar = new TarInputStream(file, System.Text.Encoding.UTF8);
                TarEntry? entry;
                while ((entry = tar.GetNextEntry()) != null)
                {
                    needed += 512 + (entry.Size + 511) / 512 * 512;
                    if (needed > length)
                        throw Truncated(archivePath, baseName, $"it ends inside '{entry.Name}', {needed - length} bytes short");
                    if (entry.IsDirectory || entry.TarHeader.TypeFlag != TarHeader.LF_NORMAL && entry.TarHeader.TypeFlag != TarHeader.LF_OLDNORM) continue;
                    var name = entry.Name.Replace('\\', '/').TrimStart('.', '/');
                    var target = Path.GetFullPath(Path.Combine(dir, name));
                    if (!target.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                    CreateUnder(Path.GetDirectoryName(target)!, tempRoot, archivePath);
                    long written;
                    // Unpacked under the blob store: a full disk there is the store's failure, not a broken archive.
                    using (var output = new Cache.StoreWriteStream(target, Path.GetDirectoryName(tempRoot)!, "unpacking " + archivePath, FileMode.Create))
                    {
                        tar.CopyEntryContents(output);
                        written = output.Length;
                    }
                    if (written != entry.Size)
                        throw Truncated(archivePath, baseName, $"'{name}' ends after {written} of its {entry.Size} bytes");
                }
                return dir;
            }
            catch (OciException)
            {
                TryDelete(dir);
                throw;
            }
            catch (Exception e)
            {
                TryDelete(dir);
                // Cut off inside the next header: its zero-filled rest fails the checksum.
                if (needed + 512 > length || e is EndOfStreamException)
                    throw Truncated(archivePath, baseName, "it ends inside a tar header: " + e.Message);
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{baseName}': '{archivePath}' is not a readable tar archive: {e.Message}", e);
            }
        }

        /// <summary>What a reader of the unpacked archive says when a file is missing or damaged: the archive, not the temp copy.</summary>
        public static string Describe(string archivePath) => $"the archive '{archivePath}'";

        private static OciException Truncated(string archivePath, string baseName, string detail) =>
            new OciException(ErrorCodes.InvalidBaseContent,
                $"ContainerBaseImage '{baseName}': the archive '{archivePath}' is truncated or damaged ({detail}). Write it again, e.g. with 'skopeo copy … oci-archive:FILE:TAG' or 'docker save -o FILE IMAGE'.");

        /// <summary>A folder under the blob store's temp folder; failing that is the store's failure (OCI3015-OCI3017).</summary>
        private static void CreateUnder(string directory, string tempRoot, string archivePath)
        {
            try { Directory.CreateDirectory(directory); }
            catch (Exception e) when (Cache.BlobStoreFailures.IsFileSystemFailure(e)) { throw Cache.BlobStoreFailures.Translate(e, Path.GetDirectoryName(tempRoot)!, "unpacking " + archivePath); }
        }

        public static void TryDelete(string dir)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
