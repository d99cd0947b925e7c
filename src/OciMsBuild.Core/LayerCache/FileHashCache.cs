using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Core.LayerCache
{
    /// <summary>
    /// The sha256 of each publish file, remembered in obj/ by path and <see cref="FileStamp"/> so a file
    /// is read for its hash once, not on every build whose layer changed: a file whose stamp is what
    /// it was when it was hashed is taken to hold the same bytes. A hash is remembered only when the
    /// file had not changed for <see cref="RacyWindow"/> before it was read (a write in the same
    /// timestamp tick would not change the stamp). Thread-safe: the layers of a build hash in parallel.
    /// A missing or damaged file starts empty (it costs one read of each file), never an error.
    /// </summary>
    public sealed class FileHashCache
    {
        private const string Header = "ocimsbuild-file-hashes\t1";

        public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(2);

        /// <summary>Null for <see cref="InMemory"/>.</summary>
        private readonly string? _path;
        private readonly Func<DateTime> _utcNow;
        private readonly ConcurrentDictionary<string, Entry> _entries = new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);
        private int _changed;
        private int _filesHashed;
        private int _filesReused;
        private long _bytesHashed;

        private readonly struct Entry
        {
            public Entry(FileStamp stamp, string digest)
            {
                Stamp = stamp;
                Digest = digest;
            }

            public FileStamp Stamp { get; }
            public string Digest { get; }
        }

        private FileHashCache(string? path, Func<DateTime>? utcNow)
        {
            _path = path;
            _utcNow = utcNow ?? (() => DateTime.UtcNow);
        }

        /// <summary>Files read for their hash in this build.</summary>
        public int FilesHashed => _filesHashed;
        public long BytesHashed => Interlocked.Read(ref _bytesHashed);
        /// <summary>Files whose remembered hash was reused.</summary>
        public int FilesReused => _filesReused;

        /// <summary>A cache that starts empty and is never saved (hashes needed once, by one build).</summary>
        public static FileHashCache InMemory() => new FileHashCache(null, null);

        /// <param name="utcNow">The clock the racy window is measured with (tests move it forward).</param>
        public static FileHashCache Load(string path, Func<DateTime>? utcNow = null)
        {
            var cache = new FileHashCache(Path.GetFullPath(path), utcNow);
            string[] lines;
            try
            {
                if (!File.Exists(path)) return cache;
                lines = File.ReadAllLines(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException) { return cache; }
            if (lines.Length == 0 || lines[0] != Header) return cache;
            foreach (var line in lines.Skip(1))
            {
                var f = line.Split('\t');
                if (f.Length != 3 || !(FileStamp.Parse(f[1]) is FileStamp stamp) || !Digest.IsValid(f[2]))
                {
                    cache._entries.Clear(); // damaged: start over
                    return cache;
                }
                cache._entries[f[0]] = new Entry(stamp, f[2]);
            }
            return cache;
        }

        /// <summary>
        /// The sha256 of the file's content and the stamp it had. A file that changes while it is
        /// read, or disappears, is OCI3014 (something is still writing the publish output).
        /// </summary>
        public (string Digest, FileStamp Stamp) HashOf(string path)
        {
            var before = FileStamp.Of(path) ?? throw Disappeared(path, null);
            if (_entries.TryGetValue(path, out var known) && known.Stamp == before)
            {
                Interlocked.Increment(ref _filesReused);
                return (known.Digest, before);
            }
            var started = _utcNow();
            string digest;
            try { digest = Digest.OfFile(path); }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException) { throw Disappeared(path, e); }
            var after = FileStamp.Of(path) ?? throw Disappeared(path, null);
            if (after != before)
                throw new OciException(ErrorCodes.PublishFileChanged,
                    $"'{path}' changed while it was being hashed for the layer cache: something is still writing to it. Build again once it is done.");
            Interlocked.Increment(ref _filesHashed);
            Interlocked.Add(ref _bytesHashed, before.Size);
            if (!before.IsRecent(started, RacyWindow) && path.IndexOfAny(LineBreaksAndTabs) < 0)
            {
                _entries[path] = new Entry(before, digest);
                Interlocked.Exchange(ref _changed, 1);
            }
            else if (_entries.TryRemove(path, out _))
            {
                Interlocked.Exchange(ref _changed, 1);
            }
            return (digest, before);
        }

        // The file is tab-separated lines: a path holding one of these is hashed on every build instead.
        private static readonly char[] LineBreaksAndTabs = { '\t', '\n', '\r' };

        private static OciException Disappeared(string path, Exception? inner) =>
            new OciException(ErrorCodes.PublishFileChanged, $"'{path}' disappeared before it could be hashed: was it deleted by another build? Build again.", inner);

        /// <summary>Forgets the files no plan names any more, so the file does not grow forever.</summary>
        public void RetainOnly(ICollection<string> paths)
        {
            var keep = new HashSet<string>(paths, StringComparer.Ordinal);
            foreach (var path in _entries.Keys)
                if (!keep.Contains(path) && _entries.TryRemove(path, out _)) Interlocked.Exchange(ref _changed, 1);
        }

        /// <summary>Writes the file when something changed (atomically: a build reading it sees old or new).</summary>
        public void Save()
        {
            if (_changed == 0 || _path == null) return;
            var text = new StringBuilder(Header).Append('\n');
            foreach (var kv in _entries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                text.Append(kv.Key).Append('\t').Append(kv.Value.Stamp).Append('\t').Append(kv.Value.Digest).Append('\n');
            try { AtomicFile.WriteAllText(_path, text.ToString()); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                // Only an optimisation: without it the next build hashes again.
            }
        }
    }
}
