using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Lists what a publish folder holds, deciding from lstat alone (nothing is opened, so a FIFO
    /// cannot block) what may go into an image:
    /// <list type="bullet">
    /// <item>regular files, and the folders that hold them;</item>
    /// <item>symbolic links that resolve to a file or folder inside the publish folder, kept as links
    /// (as rules_pkg and Jib do; the image then has the same shape as the folder, and a versioned
    /// .so chain is not stored twice). A relative target is kept verbatim; an absolute one names a host
    /// path that means nothing in the image, so it is rewritten to the equivalent relative target;</item>
    /// <item>anything else is a coded error naming the file: a FIFO, socket or device (OCI3010), a link
    /// that leaves the folder (OCI3011: it would copy a host file in or dangle in the image), a dangling
    /// link, a link loop or a link to a folder that contains it (OCI3012).</item>
    /// </list>
    /// Links to folders are never followed while listing, so no loop can make the walk endless.
    /// </summary>
    public sealed class PublishFolderScanner
    {
        private readonly string _root;
        private readonly string _realRoot;
        private readonly CancellationToken _cancellation;
        private readonly List<PublishedFile> _files = new List<PublishedFile>();

        private PublishFolderScanner(string root, CancellationToken cancellation)
        {
            _root = root;
            _realRoot = FileSystemQuery.RealPath(root, out _) ?? root;
            _cancellation = cancellation;
        }

        /// <summary>Every file and link under <paramref name="publishDirectory"/>, in ordinal order of their relative paths.</summary>
        public static List<PublishedFile> Scan(string publishDirectory, CancellationToken cancellation = default)
        {
            var root = Path.GetFullPath(publishDirectory);
            if (root.Length > 1) root = root.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            var scanner = new PublishFolderScanner(root, cancellation);
            scanner.Walk(root, "");
            return scanner._files;
        }

        private void Walk(string directory, string relativeDirectory)
        {
            foreach (var path in List(directory, relativeDirectory))
            {
                _cancellation.ThrowIfCancellationRequested();
                var relative = relativeDirectory + Path.GetFileName(path);
                var kind = KindOf(path);
                switch (kind)
                {
                    case PathKind.Directory:
                        Walk(path, relative + "/");
                        break;
                    case PathKind.Regular:
                        _files.Add(new PublishedFile(relative, path));
                        break;
                    case PathKind.Symlink:
                        _files.Add(new PublishedFile(relative, path) { LinkTarget = LinkTargetFor(path, relative) });
                        break;
                    case PathKind.Missing:
                        throw Unreadable(path, "it disappeared while the folder was being listed (is another build writing to it?)");
                    default:
                        throw new OciException(ErrorCodes.PublishOutputSpecialFile,
                            $"'{path}' in the publish output is {kind.Describe()}: an image can hold only regular files, folders and " +
                            $"symbolic links that stay inside the publish folder '{_root}'. Remove it from the publish output (or stop what creates it there).");
                }
            }
        }

        /// <summary>The target the tar entry records, after checking the link resolves inside the folder.</summary>
        private string LinkTargetFor(string path, string relative)
        {
            var target = FileSystemQuery.ReadLink(path) ?? throw Unreadable(path, "its link target cannot be read");
            string? real;
            bool loop;
            try { real = FileSystemQuery.RealPath(path, out loop); }
            catch (IOException e) { throw Unreadable(path, e.Message); }
            if (real == null)
                throw new OciException(ErrorCodes.PublishOutputBrokenLink, loop
                    ? $"The symbolic link '{path}' -> '{target}' in the publish output is part of a link loop: following it never reaches a file. Remove or fix the link."
                    : $"The symbolic link '{path}' -> '{target}' in the publish output is dangling: its target does not exist. Remove the link or publish its target too.");
            if (!IsWithin(real, _realRoot))
                throw Outside(path, target, $"it resolves to '{real}'");

            var realRelative = real.Length == _realRoot.Length ? "" : real.Substring(_realRoot.Length + 1).Replace('\\', '/');
            var finalKind = KindOf(real);
            if (finalKind == PathKind.Directory)
            {
                // Folders are walked without following links, so relative paths are real paths here.
                if (realRelative.Length == 0 || relative.StartsWith(realRelative + "/", StringComparison.Ordinal))
                    throw new OciException(ErrorCodes.PublishOutputBrokenLink,
                        $"The symbolic link '{path}' -> '{target}' in the publish output points at the folder '{real}' that contains it: a directory loop, " +
                        "which tools that walk the image (scanners, recursive copies) never get out of. Remove the link.");
            }
            else if (finalKind != PathKind.Regular)
            {
                throw new OciException(ErrorCodes.PublishOutputSpecialFile,
                    $"The symbolic link '{path}' in the publish output points at '{real}', which is {finalKind.Describe()}: an image can hold only regular files, folders and links to them. Remove the link.");
            }

            var parent = Parent(relative);
            if (Path.IsPathRooted(target)) return RelativeTo(parent, realRelative);
            if (Path.DirectorySeparatorChar == '\\') target = target.Replace('\\', '/');
            // In the image the link sits under ContainerWorkingDirectory: a relative target that climbs
            // above the publish folder (even to come back in) would point elsewhere there.
            if (!StaysInside(parent, target))
                throw Outside(path, target, "its target climbs out of the folder through '..'");
            return target;
        }

        private OciException Outside(string path, string target, string how) =>
            new OciException(ErrorCodes.PublishOutputLinkOutside,
                $"The symbolic link '{path}' -> '{target}' in the publish output leaves the publish folder '{_root}' ({how}): packed as a link it would dangle " +
                "in the image, and packing its content would copy a file of this machine into it. Copy the file into the publish output instead " +
                "(e.g. a Content item with CopyToPublishDirectory), or point the link at a file inside the publish folder.");

        internal static OciException Unreadable(string path, string why) =>
            new OciException(ErrorCodes.PublishOutputUnreadable, $"'{path}' in the publish output cannot be examined: {why}. Check its permissions and publish again.");

        private static List<string> List(string directory, string relativeDirectory)
        {
            try
            {
                return Directory.EnumerateFileSystemEntries(directory).OrderBy(p => p, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Unreadable(directory, e.Message);
            }
        }

        private static PathKind KindOf(string path)
        {
            try { return FileSystemQuery.KindOf(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { throw Unreadable(path, e.Message); }
        }

        private static bool IsWithin(string path, string root) =>
            path == root || path.StartsWith(root.EndsWith(Path.DirectorySeparatorChar.ToString()) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

        private static string Parent(string relative)
        {
            var slash = relative.LastIndexOf('/');
            return slash < 0 ? "" : relative.Substring(0, slash);
        }

        private static List<string> Segments(string relative) =>
            relative.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();

        /// <summary>Whether <paramref name="target"/>, read from folder <paramref name="from"/>, never climbs above the root.</summary>
        internal static bool StaysInside(string from, string target)
        {
            var depth = Segments(from).Count;
            foreach (var segment in Segments(target))
            {
                depth += segment == ".." ? -1 : 1;
                if (depth < 0) return false;
            }
            return true;
        }

        /// <summary>The relative link target that leads from folder <paramref name="from"/> to <paramref name="to"/> (both relative to the root).</summary>
        internal static string RelativeTo(string from, string to)
        {
            var a = Segments(from);
            var b = Segments(to);
            int common = 0;
            while (common < a.Count && common < b.Count && a[common] == b[common]) common++;
            var parts = Enumerable.Repeat("..", a.Count - common).Concat(b.Skip(common)).ToList();
            return parts.Count == 0 ? "." : string.Join("/", parts);
        }
    }
}
