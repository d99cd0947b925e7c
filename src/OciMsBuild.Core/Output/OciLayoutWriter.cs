using System;
using System.IO;
using System.Text;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Writes an OCI image layout directory. It is assembled beside the target and swapped in
    /// by rename, so a failed or cancelled build never leaves a half-written layout.
    /// </summary>
    public static class OciLayoutWriter
    {
        public static void Write(string directory, LayoutContent content, BlobStore store)
        {
            directory = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
            var parent = Path.GetDirectoryName(directory)!;
            var staging = directory + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                Directory.CreateDirectory(parent);
                var blobs = Path.Combine(staging, "blobs", "sha256");
                Directory.CreateDirectory(blobs);
                foreach (var digest in content.BlobDigests)
                {
                    store.Verify(digest);
                    File.Copy(store.PathOf(digest), Path.Combine(staging, LayoutContent.BlobPath(digest)));
                }
                File.WriteAllText(Path.Combine(staging, "oci-layout"), LayoutContent.OciLayoutFile, new UTF8Encoding(false));
                File.WriteAllBytes(Path.Combine(staging, "index.json"), content.IndexJson);

                string? old = null;
                if (Directory.Exists(directory))
                {
                    old = directory + ".old-" + Guid.NewGuid().ToString("N");
                    Directory.Move(directory, old);
                }
                Directory.Move(staging, directory);
                if (old != null) TryDelete(old);
            }
            catch (Exception e) when (!(e is OciException))
            {
                TryDelete(staging);
                throw new OciException(ErrorCodes.WriteFailed, $"Could not write the OCI layout '{directory}': {e.Message}", e);
            }
            catch
            {
                TryDelete(staging);
                throw;
            }
        }

        internal static void TryDelete(string dir)
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
