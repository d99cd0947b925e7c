using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Layers;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// The files of a publish folder, each joined with the ResolvedFileToPublish metadata that
    /// MSBuild had for it (matched by RelativePath).
    /// </summary>
    internal static class PublishFolder
    {
        public static List<PublishedFile> Enumerate(string publishDir, ITaskItem[] items)
        {
            var metadata = new Dictionary<string, ITaskItem>(StringComparer.Ordinal);
            foreach (var item in items)
            {
                var relative = item.GetMetadata("RelativePath");
                if (string.IsNullOrEmpty(relative)) continue;
                metadata[Normalize(relative)] = item;
            }
            var files = new List<PublishedFile>();
            var root = publishDir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
            foreach (var path in Directory.EnumerateFiles(publishDir, "*", SearchOption.AllDirectories))
            {
                var relative = Normalize(path.Substring(root.Length));
                var file = new PublishedFile(relative, path);
                if (metadata.TryGetValue(relative, out var item))
                {
                    file.HasMetadata = true;
                    file.NuGetPackageId = item.GetMetadata("NuGetPackageId");
                    file.ReferenceSourceTarget = item.GetMetadata("ReferenceSourceTarget");
                }
                files.Add(file);
            }
            return files;
        }

        private static string Normalize(string relative) => relative.Replace('\\', '/').TrimStart('/');
    }
}
