using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.References;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>
    /// What the lock means for a build: a tag-based registry base it covers is used by the pinned
    /// digest (no tag lookup, no network when the cache has the base); ContainerLocked makes a lock
    /// that does not cover the base or a platform an error; ContainerUpdateLock records what the
    /// tag resolved to.
    /// </summary>
    public static class BaseLock
    {
        public const string DefaultFileName = "container.lock.json";

        /// <summary>The key a base is locked under: the normalized tag reference, or null for a base the lock never covers (local, by digest).</summary>
        public static string? KeyOf(ImageReference? reference) =>
            reference == null || reference.Digest != null ? null : reference.ToString();

        /// <summary>
        /// The base to build from: "<paramref name="reference"/>@digest" when the lock covers the
        /// reference and every platform; null to resolve the tag as usual.
        /// </summary>
        public static string? Pin(BaseLockFile? lockFile, string lockPath, ImageReference? reference, IReadOnlyCollection<string> platforms, bool locked)
        {
            var key = KeyOf(reference);
            if (key == null) return null;
            if (lockFile == null || !lockFile.Bases.TryGetValue(key, out var entry))
            {
                if (locked)
                    throw new OciException(ErrorCodes.BaseNotLocked, lockFile == null
                        ? $"ContainerLocked is true but there is no base-image lock '{lockPath}'. Write it with -p:ContainerUpdateLock=true and commit it."
                        : $"ContainerLocked is true but the base-image lock '{lockPath}' has no entry for ContainerBaseImage '{key}' (it has: {Names(lockFile.Bases.Keys)}). Update it with -p:ContainerUpdateLock=true and commit it.");
                return null;
            }
            var missing = platforms.Where(p => !entry.Platforms.ContainsKey(p)).ToList();
            if (missing.Count > 0)
            {
                if (locked)
                    throw new OciException(ErrorCodes.BaseNotLocked,
                        $"ContainerLocked is true but the base-image lock '{lockPath}' has no {string.Join(", ", missing)} entry for '{key}' (it has: {Names(entry.Platforms.Keys)}). Update it with -p:ContainerUpdateLock=true for every platform you build and commit it.");
                return null;
            }
            return key + "@" + entry.Digest;
        }

        /// <summary>
        /// Adds one base platform to the lock at <paramref name="lockPath"/>, under a machine-wide
        /// mutex: the platforms of a multi-platform image resolve their base in parallel nodes.
        /// Rewritten only when it changes. True when it changed.
        /// </summary>
        public static bool Record(string lockPath, string key, string digest, string platform, string manifestDigest, CancellationToken ct = default)
        {
            using var mutex = new Mutex(false, MutexName(lockPath));
            var acquired = false;
            try
            {
                try { acquired = mutex.WaitOne(TimeSpan.FromSeconds(60)); }
                catch (AbandonedMutexException) { acquired = true; } // a build died holding it; the file itself is written atomically
                if (!acquired)
                    throw new OciException(ErrorCodes.FileSystemError, $"Timed out waiting for another build to finish writing the base-image lock '{lockPath}'.");
                ct.ThrowIfCancellationRequested();
                var lockFile = BaseLockFile.Load(lockPath) ?? new BaseLockFile();
                lockFile.Record(key, digest, platform, manifestDigest);
                return AtomicFile.WriteIfChanged(lockPath, lockFile.ToText());
            }
            finally
            {
                if (acquired) mutex.ReleaseMutex();
            }
        }

        private static string Names(IEnumerable<string> names)
        {
            var list = names.ToList();
            return list.Count == 0 ? "nothing" : string.Join(", ", list);
        }

        private static string MutexName(string path)
        {
            using var sha = SHA256.Create();
            var full = System.IO.Path.GetFullPath(path);
            // Windows and macOS folders ignore case: one file, one mutex.
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Linux)) full = full.ToUpperInvariant();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(full));
            // Global\: one mutex for every session on the machine (on Unix .NET scopes plain names to the session).
            return "Global\\ocimsbuild-lock-" + BitConverter.ToString(hash, 0, 12).Replace("-", "").ToLowerInvariant();
        }
    }
}
