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
        public static BuildSummary Write(BuiltImage image, ImageName name, string? layoutDirectory, string? archivePath, string summaryPath, BlobStore store)
        {
            var content = LayoutContent.For(image, name);
            if (!string.IsNullOrEmpty(layoutDirectory)) OciLayoutWriter.Write(layoutDirectory!, content, store);
            if (!string.IsNullOrEmpty(archivePath)) ImageArchiveWriter.Write(archivePath!, content, image, name, store);
            var summary = BuildSummary.From(image, name,
                string.IsNullOrEmpty(layoutDirectory) ? null : Path.GetFullPath(layoutDirectory),
                string.IsNullOrEmpty(archivePath) ? null : Path.GetFullPath(archivePath));
            AtomicFile.WriteAllText(summaryPath, JsonConvert.SerializeObject(summary, Formatting.Indented));
            return summary;
        }
    }
}
