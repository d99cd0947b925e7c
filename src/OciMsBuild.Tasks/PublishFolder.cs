using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// The files and links of a publish folder (<see cref="PublishFolderScanner"/>: special files and
    /// links leaving the folder are errors), each joined with the ResolvedFileToPublish metadata
    /// that MSBuild had for it (matched by RelativePath).
    /// </summary>
    internal static class PublishFolder
    {
        public static List<PublishedFile> Enumerate(string publishDir, ITaskItem[] items, CancellationToken cancellation)
        {
            var metadata = new Dictionary<string, ITaskItem>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var relative = item.GetMetadata("RelativePath");
                if (string.IsNullOrEmpty(relative)) continue;
                metadata[Normalize(relative)] = item;
            }
            var files = PublishFolderScanner.Scan(publishDir, cancellation);
            foreach (var file in files)
            {
                if (metadata.TryGetValue(file.RelativePath, out var item))
                {
                    file.HasMetadata = true;
                    file.NuGetPackageId = item.GetMetadata("NuGetPackageId");
                    file.ReferenceSourceTarget = item.GetMetadata("ReferenceSourceTarget");
                }
            }
            return files;
        }

        private static string Normalize(string relative) => relative.Replace('\\', '/').TrimStart('/');
    }
}
