using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// One piece of work in a blob store done by one build at a time, across MSBuild nodes and
    /// concurrent builds (a solution built with -m packs the same runtime layer in several nodes at
    /// once): an empty file under <c>&lt;store&gt;/locks/</c> held open with FileShare.None, which is an
    /// flock on Unix and a share lock on Windows, so the lock goes with the process if it dies and
    /// never needs cleaning up. Not thread-affine, so it may be held across awaits.
    /// The lock only saves work: who cannot get it (a read-only store, a waiter past its limit)
    /// goes on without it, as every write to the store is atomic anyway.
    /// </summary>
    public sealed class StoreLock : IDisposable
    {
        public const string FolderName = "locks";

        /// <summary>How long a build waits for another one before it does the work itself.</summary>
        public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(10);

        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
        private readonly FileStream _file;

        private StoreLock(FileStream file, TimeSpan waited)
        {
            _file = file;
            Waited = waited;
        }

        /// <summary>How long it took to get: zero when it was free at the first try, else another build held it.</summary>
        public TimeSpan Waited { get; }

        /// <summary>The lock, or null when it cannot be had within <paramref name="wait"/> or at all (go on without it).</summary>
        public static StoreLock? Acquire(BlobStore store, string work, TimeSpan wait, CancellationToken ct)
        {
            var attempt = new Attempt(PathFor(store, work), wait);
            StoreLock? held;
            while (!attempt.Done(ct, out held)) ct.WaitHandle.WaitOne(Poll);
            return held;
        }

        /// <inheritdoc cref="Acquire"/>
        public static async Task<StoreLock?> AcquireAsync(BlobStore store, string work, TimeSpan wait, CancellationToken ct)
        {
            var attempt = new Attempt(PathFor(store, work), wait);
            StoreLock? held;
            while (!attempt.Done(ct, out held)) await Task.Delay(Poll, ct).ConfigureAwait(false);
            return held;
        }

        /// <summary>One try at a time, so the waiting (blocking or awaited) is the caller's.</summary>
        private sealed class Attempt
        {
            private readonly string _path;
            private readonly TimeSpan _wait;
            private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
            private int _tries;

            public Attempt(string path, TimeSpan wait)
            {
                _path = path;
                _wait = wait;
            }

            /// <returns>True when there is nothing more to wait for: <paramref name="held"/> is the lock, or null to go on without it.</returns>
            public bool Done(CancellationToken ct, out StoreLock? held)
            {
                ct.ThrowIfCancellationRequested();
                var first = _tries++ == 0;
                var (file, busy) = TryOpen(_path);
                held = file == null ? null : new StoreLock(file, first ? TimeSpan.Zero : _clock.Elapsed);
                return file != null || !busy || _clock.Elapsed >= _wait;
            }
        }

        /// <summary>
        /// The lock file of one piece of work: one of <see cref="Buckets"/> files chosen by a hash of it,
        /// so the folder never grows past that (two pieces of work sharing a file only wait for each
        /// other; nothing holds two store locks at once, so that cannot deadlock).
        /// </summary>
        public static string PathFor(BlobStore store, string work)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(work));
            var bucket = ((hash[0] << 8) | hash[1]) % Buckets;
            return Path.Combine(store.Root, FolderName, bucket.ToString("x3", System.Globalization.CultureInfo.InvariantCulture) + ".lock");
        }

        public const int Buckets = 1024;

        /// <returns>The open file, or null and whether someone else holds it (else it cannot be made: go on without).</returns>
        private static (FileStream? Held, bool Busy) TryOpen(string path)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                // Read access is enough for the lock, and works on a store since made read-only.
                return (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.None, 1), false);
            }
            catch (UnauthorizedAccessException) { return (null, false); }
            // Held by another build when the file is there; a file that cannot even be created is a
            // store we may not write (read-only, full): no lock then.
            catch (IOException) { return (null, File.Exists(path)); }
        }

        public void Dispose() => _file.Dispose();
    }
}
