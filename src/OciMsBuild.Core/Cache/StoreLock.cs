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

        /// <summary>How long it took to get: more than a moment means another build held it.</summary>
        public TimeSpan Waited { get; }

        public static StoreLock? Acquire(BlobStore store, string work, TimeSpan wait, CancellationToken ct)
        {
            var path = PathFor(store, work);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var (held, busy) = TryOpen(path);
                if (held != null) return new StoreLock(held, clock.Elapsed);
                if (!busy || clock.Elapsed >= wait) return null;
                ct.WaitHandle.WaitOne(Poll);
            }
        }

        public static async Task<StoreLock?> AcquireAsync(BlobStore store, string work, TimeSpan wait, CancellationToken ct)
        {
            var path = PathFor(store, work);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var (held, busy) = TryOpen(path);
                if (held != null) return new StoreLock(held, clock.Elapsed);
                if (!busy || clock.Elapsed >= wait) return null;
                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }

        /// <summary>The lock file of one piece of work: a hash, so any text names it.</summary>
        public static string PathFor(BlobStore store, string work)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(work));
            return Path.Combine(store.Root, FolderName, BitConverter.ToString(hash, 0, 16).Replace("-", "").ToLowerInvariant() + ".lock");
        }

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
