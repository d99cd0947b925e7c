using System.Collections.Generic;

namespace OciMsBuild.Core.Output
{
    /// <summary>The end of the one line a build prints per image: where the image went.</summary>
    public static class ReportLine
    {
        /// <summary>
        /// 'pushed to REGISTRY, OCI layout DIR, archive FILE': exactly the outputs written, nothing
        /// for one that was not (a push writes no layout by default). With none of them, the summary file.
        /// </summary>
        /// <param name="pushedImage">REGISTRY/REPOSITORY@DIGEST when this build pushed the image, else empty.</param>
        /// <param name="bytesUploaded">What this build sent to the registry, said after it when pushed.</param>
        public static string Destinations(string? pushedImage, string? layoutDirectory, string? archivePath, string summaryFile, long bytesUploaded = 0)
        {
            var parts = new List<string>();
            var pushed = (pushedImage ?? "").Trim();
            // The registry is the part before the first '/': a host[:port] never holds one.
            if (pushed.Length > 0)
                parts.Add("pushed to " + (pushed.IndexOf('/') > 0 ? pushed.Substring(0, pushed.IndexOf('/')) : pushed)
                    + " (" + Registry.UploadLedger.Describe(bytesUploaded) + ")");
            if (!string.IsNullOrEmpty(layoutDirectory)) parts.Add("OCI layout " + layoutDirectory);
            if (!string.IsNullOrEmpty(archivePath)) parts.Add("archive " + archivePath);
            if (parts.Count == 0) parts.Add("summary " + summaryFile);
            return string.Join(", ", parts);
        }
    }
}
