using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ICSharpCode.SharpZipLib.Tar;
using OciMsBuild.Core.ImageFileSystem;

namespace OciMsBuild.Core.RunLayers
{
    /// <summary>One path the commands added, changed or deleted.</summary>
    public sealed class FileChange
    {
        public string Path { get; set; } = "/";
        public EntryType Type { get; set; }
        public int Mode { get; set; }
        public int Uid { get; set; }
        public int Gid { get; set; }
        public string? LinkTarget { get; set; }
        /// <summary>A file's bytes, saved aside while the export streamed by.</summary>
        public string? SpoolPath { get; set; }
        public bool Deleted { get; set; }
    }

    /// <summary>
    /// The filesystem changes of a container: its exported filesystem compared with the image it
    /// started from. Changed means new, or different in type, mode, owner, size, modification time
    /// or link target. A deleted path is reported once, at the top-most deleted folder. What the
    /// engine itself puts into every container (hostname, hosts, resolv.conf, /proc, /sys, /dev,
    /// its marker files, our input mount) is never a change.
    /// </summary>
    public static class ContainerChanges
    {
        // /etc/mtab: docker's link to /proc/mounts in every container's init layer.
        private static readonly string[] EngineFiles = { "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab", "/.dockerenv", "/run/.containerenv" };
        private static readonly string[] EngineHolders = { "/run", "/etc" };
        private static readonly string[] EngineTrees = { "/proc", "/sys", "/dev", "/run/secrets", "/ocimsbuild" };

        public static bool IsEngineOwned(string path) =>
            EngineFiles.Contains(path, StringComparer.Ordinal) || EngineTrees.Any(t => path == t || path.StartsWith(t + "/", StringComparison.Ordinal));

        /// <param name="exportTar">The container's filesystem as `docker export` / `podman export` stream it.</param>
        /// <param name="spoolDirectory">Where changed files' bytes are kept until the layer is written.</param>
        public static IReadOnlyList<FileChange> Compare(MergedFileSystem before, Stream exportTar, string spoolDirectory)
        {
            Directory.CreateDirectory(spoolDirectory);
            var changes = new SortedDictionary<string, FileChange>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal) { "/" };
            var spooled = new Dictionary<string, string>(StringComparer.Ordinal);
            int counter = 0;
            using (var tar = new TarInputStream(exportTar, System.Text.Encoding.UTF8) { IsStreamOwner = false })
            {
                TarEntry? entry;
                while ((entry = tar.GetNextEntry()) != null)
                {
                    var path = LayerTarReader.Normalise(entry.Name);
                    if (path == "/" || IsEngineOwned(path)) continue;
                    seen.Add(path);
                    var after = MergedFileSystem.ToEntry(entry, path, 0);
                    if (entry.TarHeader.TypeFlag == TarHeader.LF_LINK)
                    {
                        // A hard link in the export: the file it names, if that one changed (its bytes are spooled).
                        var target = LayerTarReader.Normalise(entry.TarHeader.LinkName);
                        if (spooled.TryGetValue(target, out var bytes) && changes.TryGetValue(target, out var linked))
                            changes[path] = new FileChange { Path = path, Type = EntryType.File, Mode = linked.Mode, Uid = linked.Uid, Gid = linked.Gid, SpoolPath = bytes };
                        continue;
                    }
                    var previous = before.Lookup(path, followLast: false);
                    if (previous != null && Same(previous, after)) continue;
                    var change = new FileChange { Path = path, Type = after.Type, Mode = after.Mode, Uid = after.Uid, Gid = after.Gid, LinkTarget = after.LinkTarget };
                    if (after.Type == EntryType.File)
                    {
                        var spool = System.IO.Path.Combine(spoolDirectory, (counter++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                        using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write)) tar.CopyEntryContents(file);
                        change.SpoolPath = spool;
                        spooled[path] = spool;
                    }
                    if (after.Type != EntryType.Other) changes[path] = change;
                }
            }
            // The folders an engine creates only to hold its own files (podman's /run for .containerenv) when the base has none.
            foreach (var holder in EngineHolders)
                if (changes.TryGetValue(holder, out var made) && made.Type == EntryType.Directory && before.Lookup(holder, followLast: false) == null
                    && !changes.Keys.Any(k => k.StartsWith(holder + "/", StringComparison.Ordinal)))
                    changes.Remove(holder);
            foreach (var gone in before.Entries)
            {
                if (gone.Path == "/" || seen.Contains(gone.Path) || IsEngineOwned(gone.Path)) continue;
                // Only the top-most deleted path: its folder still exists.
                if (seen.Contains(MergedFileSystem.Parent(gone.Path)))
                    changes[gone.Path] = new FileChange { Path = gone.Path, Deleted = true };
            }
            return changes.Values.ToList();
        }

        private static bool Same(FileSystemEntry before, FileSystemEntry after) =>
            before.Type == after.Type && before.Mode == after.Mode && before.Uid == after.Uid && before.Gid == after.Gid
            && before.MtimeSeconds == after.MtimeSeconds && (after.Type != EntryType.File || before.Size == after.Size)
            && (after.Type != EntryType.Symlink || before.LinkTarget == after.LinkTarget);
    }
}
