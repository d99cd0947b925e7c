using System;
using System.Collections.Generic;

namespace OciMsBuild.Core.Auth
{
    /// <summary>The answer of <see cref="CredentialResolver.Find"/>: the credential (or anonymous) and the sources consulted.</summary>
    public sealed class CredentialLookup
    {
        public CredentialLookup(RegistryCredential? credential, IReadOnlyList<string> tried)
        {
            Credential = credential;
            Tried = tried ?? throw new ArgumentNullException(nameof(tried));
        }

        /// <summary>Null: no source had a credential, access is anonymous.</summary>
        public RegistryCredential? Credential { get; }

        /// <summary>
        /// Every source consulted, in order, each with what was found there (the last one is the hit when
        /// <see cref="Credential"/> is set). For 401 messages; never contains a secret.
        /// </summary>
        public IReadOnlyList<string> Tried { get; }
    }
}
