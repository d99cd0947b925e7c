using System;
using System.IO;

namespace OciMsBuild.Core.Cache
{
    /// <summary>Where the shared blob store lives when ContainerBlobCachePath is not set.</summary>
    public static class BlobStoreLocation
    {
        public static string Resolve(string? configured)
        {
            if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured!.Trim());
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "ocimsbuild");
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (string.IsNullOrEmpty(local)) local = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(local, "OciMsBuild", "cache");
        }
    }
}
