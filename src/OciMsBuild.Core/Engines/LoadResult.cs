using System.Collections.Generic;

namespace OciMsBuild.Core.Engines
{
    /// <summary>What <c>docker load</c> / <c>podman load</c> said it loaded.</summary>
    public sealed class LoadResult
    {
        internal LoadResult(IReadOnlyList<string> loadedImages, long bytesSent)
        {
            LoadedImages = loadedImages;
            BytesSent = bytesSent;
        }

        /// <summary>
        /// The references the CLI printed, in order: names (podman qualifies them, e.g.
        /// docker.io/library/app:1 or localhost/app:1) or, for an untagged image, its ID (sha256:…).
        /// </summary>
        public IReadOnlyList<string> LoadedImages { get; }

        /// <summary>The size of the archive streamed to the CLI.</summary>
        public long BytesSent { get; }
    }
}
