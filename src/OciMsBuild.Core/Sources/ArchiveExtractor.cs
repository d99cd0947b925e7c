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
            Directory.CreateDirectory(dir);
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
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    using var output = File.Create(target);
                    tar.CopyEntryContents(output);
                }
                return dir;
            }
            catch (Exception e) when (!(e is OciException))
            {
                TryDelete(dir);
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{baseName}': '{archivePath}' is not a readable tar archive: {e.Message}", e);
            }
        }

        public static void TryDelete(string dir)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
