using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using ICSharpCode.SharpZipLib.Tar;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.ImageFileSystem
{
    /// <summary>
    /// The read-only filesystem a container of the image starts with: every layer applied in order,
    /// OCI whiteouts (".wh.NAME") and opaque directories (".wh..wh..opq") honoured, hard links made
    /// the file they name, symbolic links resolved on lookup. Built from the tar headers only (one
    /// streaming pass per layer); file bytes are read back on demand from the blob store.
    /// </summary>
    public sealed class MergedFileSystem
    {
        private const string WhiteoutPrefix = ".wh.";
        private const string OpaqueMarker = ".wh..wh..opq";
        private const int MaxLinkHops = 40;

        private readonly SortedDictionary<string, FileSystemEntry> _entries = new SortedDictionary<string, FileSystemEntry>(StringComparer.Ordinal);
        private readonly IReadOnlyList<(string BlobPath, string MediaType)> _layers;

        private MergedFileSystem(IReadOnlyList<(string, string)> layers)
        {
            _layers = layers;
            _entries["/"] = new FileSystemEntry { Path = "/", Type = EntryType.Directory, Mode = 0x1ED /* 0755 */ };
        }

        public static MergedFileSystem Read(BlobStore store, IEnumerable<Descriptor> layers, CancellationToken ct = default) =>
            Read(layers.Select(l => (store.PathOf(l.Digest), l.MediaType)).ToList(), ct);

        public static MergedFileSystem Read(IReadOnlyList<(string BlobPath, string MediaType)> layers, CancellationToken ct = default)
        {
            var fs = new MergedFileSystem(layers);
            for (int i = 0; i < layers.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                fs.Apply(i);
            }
            return fs;
        }

        /// <summary>Every path, sorted.</summary>
        public IEnumerable<FileSystemEntry> Entries => _entries.Values;

        /// <summary>
        /// The entry at <paramref name="path"/>, symbolic links in its folders always resolved and in
        /// its last part when <paramref name="followLast"/> (like stat; lstat otherwise). Null when
        /// it does not exist, a link dangles or loops.
        /// </summary>
        public FileSystemEntry? Lookup(string path, bool followLast = true)
        {
            var resolved = Resolve(path, followLast);
            return resolved != null && _entries.TryGetValue(resolved, out var entry) ? entry : null;
        }

        /// <summary>The direct children of a folder (after links are resolved).</summary>
        public IReadOnlyList<FileSystemEntry> List(string path)
        {
            var dir = Lookup(path);
            if (dir == null || dir.Type != EntryType.Directory) return Array.Empty<FileSystemEntry>();
            var prefix = dir.Path == "/" ? "/" : dir.Path + "/";
            return _entries.Values.Where(e => e.Path.StartsWith(prefix, StringComparison.Ordinal) && e.Path.Length > prefix.Length
                                              && e.Path.IndexOf('/', prefix.Length) < 0).ToList();
        }

        /// <summary>
        /// The bytes of the given regular files, each layer read once (in one streaming pass) for all
        /// the files it holds; a file larger than <paramref name="maxBytes"/> is cut there.
        /// </summary>
        public IReadOnlyDictionary<string, byte[]> ReadFiles(IEnumerable<FileSystemEntry> files, long maxBytes, CancellationToken ct = default)
        {
            var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var group in files.Where(f => f.Type == EntryType.File && f.Layer >= 0).GroupBy(f => f.Layer))
            {
                ct.ThrowIfCancellationRequested();
                var wanted = group.GroupBy(f => f.ContentName!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
                var (blob, mediaType) = _layers[group.Key];
                LayerTarReader.Walk(blob, mediaType, (entry, tar) =>
                {
                    var name = LayerTarReader.Normalise(entry.Name);
                    if (wanted.TryGetValue(name, out var readers) && IsRegular(entry))
                    {
                        var bytes = ReadCapped(tar, Math.Min(entry.Size, maxBytes));
                        foreach (var reader in readers) result[reader.Path] = bytes;
                        wanted.Remove(name);
                    }
                    return wanted.Count > 0;
                });
            }
            return result;
        }

        private static byte[] ReadCapped(TarInputStream tar, long length)
        {
            var bytes = new byte[length];
            int done = 0;
            while (done < length)
            {
                int n = tar.Read(bytes, done, (int)Math.Min(int.MaxValue, length - done));
                if (n <= 0) break;
                done += n;
            }
            return done == length ? bytes : bytes.Take(done).ToArray();
        }

        private void Apply(int layer)
        {
            // Whiteouts hide what the layers below hold, never what this layer adds: collect first.
            var added = new List<FileSystemEntry>();
            var hidden = new List<string>();
            var opaque = new List<string>();
            var (blob, mediaType) = _layers[layer];
            LayerTarReader.Walk(blob, mediaType, (entry, _) =>
            {
                var path = LayerTarReader.Normalise(entry.Name);
                var name = path.Substring(path.LastIndexOf('/') + 1);
                var parent = Parent(path);
                if (name == OpaqueMarker) opaque.Add(parent);
                else if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal)) hidden.Add(Join(parent, name.Substring(WhiteoutPrefix.Length)));
                else if (path != "/" || entry.IsDirectory) added.Add(ToEntry(entry, path, layer));
                return true;
            });
            foreach (var dir in opaque) RemoveChildren(dir);
            foreach (var path in hidden)
                if (_entries.TryGetValue(path, out var gone))
                {
                    _entries.Remove(path);
                    if (gone.Type == EntryType.Directory) RemoveChildren(path);
                }
            foreach (var entry in added) Add(entry);
        }

        private void Add(FileSystemEntry entry)
        {
            bool replacesFolder = _entries.TryGetValue(entry.Path, out var previous) && previous.Type == EntryType.Directory;
            if (entry.Type != EntryType.Directory && replacesFolder) RemoveChildren(entry.Path); // a file replacing a folder hides its contents
            else if (_entries.TryGetValue(entry.Path, out var existing) && existing.Type != EntryType.Directory) _entries.Remove(entry.Path);
            EnsureParents(entry.Path);
            if (entry.LinkTarget != null && entry.Type == EntryType.File && entry.ContentName == null)
            {
                // A hard link: the file it names, as it is at this point of the layer order.
                var target = _entries.TryGetValue(LayerTarReader.Normalise(entry.LinkTarget), out var t) ? t : null;
                if (target == null) return; // links to nothing (invalid tar): ignore like a runtime would fail to create it
                var copy = target.Clone();
                copy.Path = entry.Path;
                if (copy.Type == EntryType.File) copy.LinkTarget = null; // a hard link to a symbolic link stays that link
                _entries[entry.Path] = copy;
                return;
            }
            _entries[entry.Path] = entry;
        }

        private void EnsureParents(string path)
        {
            for (var parent = Parent(path); parent != "/" && !_entries.ContainsKey(parent); parent = Parent(parent))
                _entries[parent] = new FileSystemEntry { Path = parent, Type = EntryType.Directory, Mode = 0x1ED };
        }

        private void RemoveChildren(string dir)
        {
            var prefix = dir == "/" ? "/" : dir + "/";
            foreach (var key in _entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.Length > prefix.Length).ToList())
                _entries.Remove(key);
        }

        internal static FileSystemEntry ToEntry(TarEntry entry, string path, int layer)
        {
            var header = entry.TarHeader;
            var result = new FileSystemEntry
            {
                Path = path,
                Mode = header.Mode & 0xFFF,
                Uid = header.UserId,
                Gid = header.GroupId,
                MtimeSeconds = new DateTimeOffset(DateTime.SpecifyKind(header.ModTime, DateTimeKind.Utc)).ToUnixTimeSeconds(),
                Layer = layer,
            };
            switch (header.TypeFlag)
            {
                case TarHeader.LF_DIR:
                    result.Type = EntryType.Directory;
                    break;
                case TarHeader.LF_SYMLINK:
                    result.Type = EntryType.Symlink;
                    result.LinkTarget = header.LinkName;
                    break;
                case TarHeader.LF_LINK:
                    result.Type = EntryType.File;
                    result.LinkTarget = header.LinkName; // resolved in Add
                    break;
                case TarHeader.LF_NORMAL:
                case TarHeader.LF_OLDNORM:
                case TarHeader.LF_CONTIG:
                    result.Type = EntryType.File;
                    result.Size = entry.Size;
                    result.ContentName = path;
                    break;
                default:
                    result.Type = EntryType.Other;
                    break;
            }
            return result;
        }

        private static bool IsRegular(TarEntry entry) =>
            entry.TarHeader.TypeFlag == TarHeader.LF_NORMAL || entry.TarHeader.TypeFlag == TarHeader.LF_OLDNORM || entry.TarHeader.TypeFlag == TarHeader.LF_CONTIG;

        /// <summary>Walks the path part by part, replacing each symbolic link by its target.</summary>
        private string? Resolve(string path, bool followLast)
        {
            var pending = new Stack<string>(Enumerable.Reverse(LayerTarReader.Normalise(path).Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries)));
            var current = "/";
            int hops = 0;
            while (pending.Count > 0)
            {
                var part = pending.Pop();
                if (part == ".") continue;
                if (part == "..") { current = Parent(current); continue; }
                var next = Join(current, part);
                if (!_entries.TryGetValue(next, out var entry)) return null;
                bool last = pending.Count == 0;
                if (entry.Type == EntryType.Symlink && (!last || followLast))
                {
                    if (++hops > MaxLinkHops) return null;
                    var target = entry.LinkTarget ?? "";
                    if (target.StartsWith("/", StringComparison.Ordinal)) current = "/";
                    foreach (var p in Enumerable.Reverse(target.Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))) pending.Push(p);
                    continue;
                }
                if (!last && entry.Type != EntryType.Directory) return null;
                current = next;
            }
            return current;
        }

        internal static string Parent(string path)
        {
            int slash = path.LastIndexOf('/');
            return slash <= 0 ? "/" : path.Substring(0, slash);
        }

        private static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;
    }
}
