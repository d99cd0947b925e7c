using System;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;

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
            var kind = FileSystemQuery.KindOf(full);
            if (kind == PathKind.Missing) return;
            if (kind == PathKind.Symlink)
                throw Refuse(property, full, "is a symbolic link", "Name the folder itself (a link would be replaced, not what it points at).");
            if (kind != PathKind.Directory)
                throw Refuse(property, full, kind == PathKind.Regular ? "is a file, not a folder" : "is " + kind.Describe(), "Name a new or empty folder for the OCI layout, e.g. 'artifacts/image'.");
            if (File.Exists(Path.Combine(full, LayoutMarkerFileName))) return;
            var entries = Directory.EnumerateFileSystemEntries(full).Take(3).Select(Path.GetFileName).ToList();
            if (entries.Count == 0) return;
            // Earlier versions wrote obj/container/.../image without the marker: an OCI layout there is ours.
            if (ownWorkDirectory != null && IsStrictlyInside(PathComparison.Canonical(full), ownWorkDirectory) && File.Exists(Path.Combine(full, "oci-layout"))) return;
            throw Refuse(property, full,
                $"is a folder that holds files OciMsBuild did not write ({string.Join(", ", entries.Select(e => "'" + e + "'"))}{(entries.Count == 3 ? ", ..." : "")}); writing the layout there would delete them",
                $"Name a new or empty folder (a layout folder OciMsBuild wrote holds '{LayoutMarkerFileName}' and is replaced on every build).");
        }

        /// <summary>An existing tarball may be replaced when it is an empty regular file or an image archive (OCI or docker save).</summary>
        public static void CheckArchiveFile(string file, string property)
        {
            var full = PathComparison.Normalize(file);
            if (!IsRegularOrMissing(full, property, "Name a file, or end the path with '/' to get REPOSITORY.tar inside the folder.")) return;
            if (new FileInfo(full).Length == 0) return;
            if (TarProbe.LooksLikeImageArchive(full)) return;
            throw Refuse(property, full, "is an existing file that is not an image archive; writing the tarball would overwrite it",
                "Name a new file, an image tarball to replace, or a folder ending in '/'.");
        }

        /// <summary>An existing summary may be replaced when it is an empty regular file or a summary we wrote (a JSON object with our keys).</summary>
        public static void CheckSummaryFile(string file, string property)
        {
            var full = PathComparison.Normalize(file);
            if (!IsRegularOrMissing(full, property, "Name a file such as 'artifacts/image.json'.")) return;
            if (new FileInfo(full).Length == 0) return;
            if (IsOurSummary(full)) return;
            throw Refuse(property, full, "is an existing file that is not an OciMsBuild summary; writing the summary would overwrite it",
                "Name a new file, or a summary an earlier build wrote.");
        }

        /// <summary>
        /// False when nothing is there; true for a regular file (whose content decides); anything else
        /// (a folder, a link, /dev/null, a FIFO someone reads from) is never replaced by a file of ours.
        /// </summary>
        private static bool IsRegularOrMissing(string full, string property, string advice)
        {
            var kind = FileSystemQuery.KindOf(full);
            if (kind == PathKind.Missing) return false;
            if (kind == PathKind.Regular) return true;
            throw Refuse(property, full, "is " + kind.Describe() + ", not a regular file; OciMsBuild replaces only files it wrote", advice);
        }

        private static bool IsStrictlyInside(string path, string folder) => PathComparison.IsSameOrInside(path, folder) && !PathComparison.Same(path, folder);

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
