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
        /// <param name="spoolDirectory">Where changed files' bytes are kept until the layer is written (emptied first).</param>
        /// <param name="touched">Paths the engine reports added or changed (`diff`): changed even when size and time are the same.</param>
        public static IReadOnlyList<FileChange> Compare(MergedFileSystem before, Stream exportTar, string spoolDirectory, ISet<string>? touched = null)
        {
            // A killed build's leftovers must not collide with this run's numbered files.
            if (Directory.Exists(spoolDirectory)) Directory.Delete(spoolDirectory, recursive: true);
            Directory.CreateDirectory(spoolDirectory);
            var types = new Dictionary<string, EntryType>(StringComparer.Ordinal) { ["/"] = EntryType.Directory };
            var exported = new Dictionary<string, FileSystemEntry>(StringComparer.Ordinal);
            var linkedToBase = new List<(string Path, FileSystemEntry Target)>();
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
                        // A hard link in the export: the file it names (which came before it in the export).
                        var target = LayerTarReader.Normalise(entry.TarHeader.LinkName);
                        if (!exported.TryGetValue(target, out var named)) continue;
                        types[path] = EntryType.File;
                        var old = before.Lookup(path, followLast: false);
                        bool targetChanged = changes.ContainsKey(target);
                        if (!targetChanged && old != null && Same(old, named) && touched?.Contains(path) != true) continue;
                        var copy = new FileChange { Path = path, Type = EntryType.File, Mode = named.Mode, Uid = named.Uid, Gid = named.Gid };
                        if (spooled.TryGetValue(target, out var bytes)) copy.SpoolPath = bytes;
                        else linkedToBase.Add((path, named)); // a new link to an unchanged base file: its bytes come from the base
                        changes[path] = copy;
                        continue;
                    }
                    types[path] = after.Type;
                    if (after.Type == EntryType.File) exported[path] = after;
                    var previous = before.Lookup(path, followLast: false);
                    if (previous != null && Same(previous, after) && (after.Type == EntryType.Directory || touched?.Contains(path) != true)) continue;
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
            foreach (var (path, target) in linkedToBase)
            {
                var source = before.Lookup(target.Path, followLast: false);
                var bytes = source == null ? null : before.ReadFiles(new[] { source }, long.MaxValue).Values.FirstOrDefault();
                if (bytes == null) { changes.Remove(path); continue; }
                var spool = System.IO.Path.Combine(spoolDirectory, (counter++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                File.WriteAllBytes(spool, bytes);
                changes[path].SpoolPath = spool;
            }
            // The folders an engine creates only to hold its own files (podman's /run for .containerenv) when the base has none.
            foreach (var holder in EngineHolders)
                if (changes.TryGetValue(holder, out var made) && made.Type == EntryType.Directory && before.Lookup(holder, followLast: false) == null
                    && !changes.Keys.Any(k => k.StartsWith(holder + "/", StringComparison.Ordinal)))
                    changes.Remove(holder);
            foreach (var gone in before.Entries)
            {
                if (gone.Path == "/" || seen.Contains(gone.Path) || IsEngineOwned(gone.Path)) continue;
                // Only the top-most deleted path, in a folder that is still a folder (a folder replaced by a file or link takes its contents with it).
                if (types.TryGetValue(MergedFileSystem.Parent(gone.Path), out var parentType) && parentType == EntryType.Directory)
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
