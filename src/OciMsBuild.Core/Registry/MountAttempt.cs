using System;

namespace OciMsBuild.Core.Registry
{
    /// <summary>What a cross-repository mount request did.</summary>
    public sealed class MountAttempt
    {
        private MountAttempt(bool mounted, Uri? uploadLocation)
        {
            Mounted = mounted;
            UploadLocation = uploadLocation;
        }

        public static readonly MountAttempt Done = new MountAttempt(true, null);
        public static readonly MountAttempt Refused = new MountAttempt(false, null);

        /// <summary>202: not mounted, but an upload session is open at <paramref name="location"/>.</summary>
        public static MountAttempt Opened(Uri location) => new MountAttempt(false, location);

        /// <summary>201: the blob is now in the target repository.</summary>
        public bool Mounted { get; }

        /// <summary>The upload session the registry opened instead of mounting, to upload into.</summary>
        public Uri? UploadLocation { get; }
    }
}
