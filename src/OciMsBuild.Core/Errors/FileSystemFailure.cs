using System;
using System.IO;
using System.Linq;

namespace OciMsBuild.Core.Errors
{
    /// <summary>
    /// File system failures that no check of ours anticipated (disk full, permissions, a file or
    /// folder in the way): reported as OCI3005 with the system's own message, which names the path.
    /// </summary>
    public static class FileSystemFailure
    {
        /// <summary>The I/O exception behind <paramref name="e"/> (also inside an AggregateException from parallel work), or null.</summary>
        public static Exception? Of(Exception e)
        {
            if (e is AggregateException aggregate)
                return aggregate.Flatten().InnerExceptions.FirstOrDefault(x => x is IOException || x is UnauthorizedAccessException);
            return e is IOException || e is UnauthorizedAccessException ? e : null;
        }

        /// <summary>OCI3005, with the system's reason (which names the path) and what to check.</summary>
        public static OciException ToError(string step, Exception io)
        {
            var reason = io.Message.TrimEnd('.');
            return new OciException(ErrorCodes.FileSystemError,
                $"{step} could not read or write a file: {reason}. Check that the path exists and is writable and that the disk has space; nothing half-written was kept.", io);
        }
    }
}
