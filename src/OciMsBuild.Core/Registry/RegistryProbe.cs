using System;
using System.Threading;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// What a build learned about one registry, shared by its pull and push sessions so that base
    /// resolution and push ping it once: the base URI the /v2/ ping chose (HTTPS, or HTTP where allowed)
    /// and the registry's auth challenge (scheme, realm, service; never a scope, never a credential).
    /// </summary>
    public sealed class RegistryProbe
    {
        private readonly object _gate = new object();
        private Uri? _baseUri;
        private AuthChallenge? _challenge;

        /// <summary>One ping at a time per registry: the others wait for its answer.</summary>
        internal SemaphoreSlim PingGate { get; } = new SemaphoreSlim(1, 1);

        public Uri? BaseUri
        {
            get { lock (_gate) return _baseUri; }
            internal set { lock (_gate) _baseUri = value; }
        }

        public AuthChallenge? Challenge
        {
            get { lock (_gate) return _challenge; }
        }

        public void Learn(AuthChallenge? challenge)
        {
            if (challenge == null) return;
            var registryWide = challenge.WithoutScope();
            lock (_gate) _challenge = registryWide;
        }
    }
}
