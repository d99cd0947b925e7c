using System;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Output
{
    /// <summary>Writes every local output the user asked for, then the summary that names them.</summary>
    public static class ImageOutputs
    {
        public static BuildSummary Write(BuiltImage image, ImageName name, string? layoutDirectory, string? archivePath, string summaryPath, BlobStore store) =>
            Write(ImageSet.Single(image), name, layoutDirectory, archivePath, null, summaryPath, store);

        /// <param name="archivePlatform">ContainerArchivePlatform: the platform the tarball's manifest.json names.</param>
        /// <param name="workDirectory">obj/container: a layout folder inside it is ours even without the marker file.</param>
        public static BuildSummary Write(ImageSet set, ImageName name, string? layoutDirectory, string? archivePath, string? archivePlatform, string summaryPath, BlobStore store, string? workDirectory = null)
        {
            CheckArchivePath(archivePath, layoutDirectory, summaryPath);
            // Before anything is written: a summary path we may not replace must not cost the layout and tarball.
            OutputOwnership.CheckSummaryFile(summaryPath, SummaryProperty);
            if (!string.IsNullOrEmpty(archivePath)) OutputOwnership.CheckArchiveFile(archivePath!, ImageArchiveWriter.Property);
            StaleTempFiles.CleanBeside(summaryPath);
            // Checked before anything is written, so a bad platform leaves the previous outputs alone.
            var dockerImage = string.IsNullOrEmpty(archivePath) ? null : ArchivePlatform.Choose(set, archivePlatform);
            if (dockerImage == null && !string.IsNullOrWhiteSpace(archivePlatform)) ArchivePlatform.Parse(archivePlatform!.Trim());
            var content = LayoutContent.For(set, name);
            if (!string.IsNullOrEmpty(layoutDirectory)) OciLayoutWriter.Write(layoutDirectory!, LayoutContent.For(set, name, withReferrers: true), store, workDirectory);
            if (!string.IsNullOrEmpty(archivePath)) ImageArchiveWriter.Write(archivePath!, content, dockerImage!, name, store);
            var summary = BuildSummary.From(set, name,
                string.IsNullOrEmpty(layoutDirectory) ? null : Path.GetFullPath(layoutDirectory),
                string.IsNullOrEmpty(archivePath) ? null : Path.GetFullPath(archivePath));
            WriteSummary(summaryPath, JsonConvert.SerializeObject(summary, Formatting.Indented));
            return summary;
        }

        public const string SummaryProperty = "ContainerSummaryOutputPath";

        private static void WriteSummary(string path, string json)
        {
            OutputOwnership.CheckSummaryFile(path, SummaryProperty);
            try
            {
                AtomicFile.WriteAllText(path, json);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
            {
                throw new Errors.OciException(Errors.ErrorCodes.WriteFailed,
                    $"Could not write the summary {SummaryProperty} '{Path.GetFullPath(path)}': {e.Message}. Choose a writable file path, e.g. 'artifacts/image.json'.", e);
            }
        }

        /// <summary>The tarball must not land inside the layout it is copied from, nor on the summary file.</summary>
        private static void CheckArchivePath(string? archivePath, string? layoutDirectory, string summaryPath)
        {
            if (string.IsNullOrEmpty(archivePath)) return;
            var archive = Path.GetFullPath(archivePath);
            var layout = string.IsNullOrEmpty(layoutDirectory) ? null : Path.GetFullPath(layoutDirectory).TrimEnd('/', '\\');
            bool insideLayout = layout != null && (archive == layout || archive.StartsWith(layout + Path.DirectorySeparatorChar, System.StringComparison.Ordinal));
            if (insideLayout || archive == Path.GetFullPath(summaryPath))
                throw new Errors.OciException(Errors.ErrorCodes.InvalidArchivePath,
                    $"ContainerArchiveOutputPath '{archive}' is not valid: it points {(insideLayout ? "into the OCI layout folder ContainerLayoutOutputPath" : "at the summary file ContainerSummaryOutputPath")}. Choose a file or folder outside it, e.g. '$(OutDir)image.tar' or 'artifacts/'.");
        }
    }
}
