using System;
using System.IO;
using ICSharpCode.SharpZipLib.Tar;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Sources
{
    /// <summary>Unpacks an image archive (regular files only, no path escapes) into a temp directory.</summary>
    public static class ArchiveExtractor
    {
        public static string ExtractToTemp(string archivePath, string tempRoot, string baseName)
        {
            if (!File.Exists(archivePath))
                throw new OciException(ErrorCodes.BaseNotFound, $"ContainerBaseImage '{baseName}': the archive '{archivePath}' does not exist.");
            var dir = Path.Combine(tempRoot, "extract-" + Guid.NewGuid().ToString("N"));
            try { Directory.CreateDirectory(dir); }
            catch (Exception e) when (Cache.BlobStoreFailures.IsFileSystemFailure(e)) { throw Cache.BlobStoreFailures.Translate(e, Path.GetDirectoryName(tempRoot)!, "unpacking " + archivePath); }
            try
            {
                using var file = File.OpenRead(archivePath);
                using var tar = new TarInputStream(file, System.Text.Encoding.UTF8);
                TarEntry? entry;
                while ((entry = tar.GetNextEntry()) != null)
                {
                    if (entry.IsDirectory || entry.TarHeader.TypeFlag != TarHeader.LF_NORMAL && entry.TarHeader.TypeFlag != TarHeader.LF_OLDNORM) continue;
                    var name = entry.Name.Replace('\\', '/').TrimStart('.', '/');
                    var target = Path.GetFullPath(Path.Combine(dir, name));
                    if (!target.StartsWith(dir + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                    // Unpacked under the blob store: a full disk there is the store's failure, not a broken archive.
                    using var output = new Cache.StoreWriteStream(CreateParentAnd(target, tempRoot), Path.GetDirectoryName(tempRoot)!, "unpacking " + archivePath, FileMode.Create);
                    tar.CopyEntryContents(output);
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
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{baseName}': '{archivePath}' is not a readable tar archive: {e.Message}", e);
            }
        }

        private static string CreateParentAnd(string target, string tempRoot)
        {
            try { Directory.CreateDirectory(Path.GetDirectoryName(target)!); }
            catch (Exception e) when (Cache.BlobStoreFailures.IsFileSystemFailure(e)) { throw Cache.BlobStoreFailures.Translate(e, Path.GetDirectoryName(tempRoot)!, "unpacking into " + tempRoot); }
            return target;
        }

        public static void TryDelete(string dir)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
