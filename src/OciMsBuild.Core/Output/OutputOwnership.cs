using System;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Decides whether an output path that already exists may be replaced: only when OciMsBuild
    /// wrote it (or it holds nothing), so a mistyped path never empties a user's folder or
    /// overwrites a user's file. Each refusal is OCI1024 naming the property and the path.
    /// </summary>
    public static class OutputOwnership
    {
        /// <summary>
        /// Written into every OCI layout folder we create. OCI tools ignore files they do not know,
        /// and its presence is what lets the next build replace the folder.
        /// </summary>
        public const string LayoutMarkerFileName = ".ocimsbuild-output";

        public const string LayoutMarkerText =
            "This OCI image layout was written by OciMsBuild (ContainerLayoutOutputPath).\n" +
            "The whole folder is replaced by the next build that writes here: keep nothing else in it.\n";

        /// <param name="ownWorkDirectory">
        /// The project's obj/container folder: a layout inside it is ours even without the marker
        /// (earlier versions wrote none there).
        /// </param>
        public static void CheckLayoutDirectory(string directory, string property, string? ownWorkDirectory)
        {
            var full = PathComparison.Normalize(directory);
            if (File.Exists(full))
                throw Refuse(property, full, "is a file, not a folder", "Name a new or empty folder for the OCI layout, e.g. 'artifacts/image'.");
            if (!Directory.Exists(full)) return;
            if (File.Exists(Path.Combine(full, LayoutMarkerFileName))) return;
            if (ownWorkDirectory != null && PathComparison.IsSameOrInside(full, ownWorkDirectory) && !PathComparison.Same(full, ownWorkDirectory)) return;
            var entries = Directory.EnumerateFileSystemEntries(full).Take(3).Select(Path.GetFileName).ToList();
            if (entries.Count == 0) return;
            throw Refuse(property, full,
                $"is a folder that holds files OciMsBuild did not write ({string.Join(", ", entries.Select(e => "'" + e + "'"))}{(entries.Count == 3 ? ", ..." : "")}); writing the layout there would delete them",
                $"Name a new or empty folder (a layout folder OciMsBuild wrote holds '{LayoutMarkerFileName}' and is replaced on every build).");
        }

        /// <summary>An existing tarball may be replaced when it is empty or an image archive (OCI or docker save).</summary>
        public static void CheckArchiveFile(string file, string property)
        {
            var full = PathComparison.Normalize(file);
            if (Directory.Exists(full))
                throw Refuse(property, full, "is a folder", "Name a file, or end the path with '/' to get REPOSITORY.tar inside the folder.");
            if (!File.Exists(full) || new FileInfo(full).Length == 0) return;
            if (TarProbe.LooksLikeImageArchive(full)) return;
            throw Refuse(property, full, "is an existing file that is not an image archive; writing the tarball would overwrite it",
                "Name a new file, an image tarball to replace, or a folder ending in '/'.");
        }

        /// <summary>An existing summary may be replaced when it is empty or a summary we wrote (a JSON object with our keys).</summary>
        public static void CheckSummaryFile(string file, string property)
        {
            var full = PathComparison.Normalize(file);
            if (Directory.Exists(full))
                throw Refuse(property, full, "is a folder", "Name a file such as 'artifacts/image.json'.");
            if (!File.Exists(full) || new FileInfo(full).Length == 0) return;
            if (IsOurSummary(full)) return;
            throw Refuse(property, full, "is an existing file that is not an OciMsBuild summary; writing the summary would overwrite it",
                "Name a new file, or a summary an earlier build wrote.");
        }

        private static bool IsOurSummary(string path)
        {
            try
            {
                if (new FileInfo(path).Length > 16 << 20) return false;
                var json = JObject.Parse(File.ReadAllText(path, Encoding.UTF8));
                return json["image"] != null && json["digest"] != null && json["outputs"] is JObject;
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException || e is DecoderFallbackException)
            {
                return false;
            }
        }

        private static OciException Refuse(string property, string path, string problem, string advice) =>
            new OciException(ErrorCodes.OutputPathNotOurs, $"{property} '{path}' {problem}. {advice}");
    }
}
