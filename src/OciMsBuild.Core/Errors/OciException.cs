using System;

namespace OciMsBuild.Core.Errors
{
    /// <summary>
    /// A failure the user can act on. Tasks turn it into an MSBuild error with <see cref="Code"/>,
    /// without a stack trace: the message must say what was wrong and what would be valid.
    /// </summary>
    public sealed class OciException : Exception
    {
        public OciException(string code, string message, Exception? inner = null)
            : base(message, inner)
        {
            Code = code;
        }

        /// <summary>OCI1xxx input, OCI2xxx registry and network, OCI3xxx files and cache.</summary>
        public string Code { get; }
    }
}
