using System;
using System.IO;
using System.Text;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Writes an OCI image layout directory. It is assembled beside the target and swapped in
    /// by rename, so a failed or cancelled build never leaves a half-written layout; an existing
    /// folder is replaced only when OciMsBuild wrote it (<see cref="OutputOwnership"/>).
    /// </summary>
    public static class OciLayoutWriter
    {
        public const string Property = "ContainerLayoutOutputPath";

        /// <param name="ownWorkDirectory">obj/container: layouts inside it are ours even without the marker.</param>
        public static void Write(string directory, LayoutContent content, BlobStore store, string? ownWorkDirectory = null)
        {
            directory = PathComparison.Normalize(directory);
            OutputOwnership.CheckLayoutDirectory(directory, Property, ownWorkDirectory);
            StaleTempFiles.CleanBeside(directory);
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
                var utf8 = new UTF8Encoding(false);
                File.WriteAllText(Path.Combine(staging, "oci-layout"), LayoutContent.OciLayoutFile, utf8);
                File.WriteAllBytes(Path.Combine(staging, "index.json"), content.IndexJson);
                File.WriteAllText(Path.Combine(staging, OutputOwnership.LayoutMarkerFileName), OutputOwnership.LayoutMarkerText, utf8);

                string? old = null;
                if (Directory.Exists(directory))
                {
                    old = directory + ".old-" + Guid.NewGuid().ToString("N");
                    Directory.Move(directory, old);
                    // Checked again now that it cannot change under us: what was checked before the blob
                    // copy may have been replaced by something else meanwhile.
                    try { OutputOwnership.CheckLayoutDirectory(old, Property, ownWorkDirectory); }
                    catch (OciException)
                    {
                        Directory.Move(old, directory);
                        throw;
                    }
                }
                try
                {
                    Directory.Move(staging, directory);
                }
                catch when (old != null)
                {
                    // Put the previous layout back: a failed build must not lose the last good output.
                    Directory.Move(old, directory);
                    throw;
                }
                if (old != null) TryDelete(old);
            }
            catch (Exception e) when (!(e is OciException) && !(e is OperationCanceledException))
            {
                TryDelete(staging);
                throw new OciException(ErrorCodes.WriteFailed, $"Could not write the OCI layout {Property} '{directory}': {e.Message}", e);
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
