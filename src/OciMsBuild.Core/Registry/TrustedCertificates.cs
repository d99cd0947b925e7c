using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Extra certificate authorities from SSL_CERT_FILE / SSL_CERT_DIR (the variables OpenSSL, curl
    /// and Go honour), so a corporate or private CA works without touching the machine's store,
    /// on every runtime that loads MSBuild.
    /// </summary>
    public sealed class TrustedCertificates
    {
        private readonly List<X509Certificate2> _authorities;

        private TrustedCertificates(List<X509Certificate2> authorities) => _authorities = authorities;

        public int Count => _authorities.Count;

        public static TrustedCertificates FromEnvironment(Func<string, string?> env)
        {
            var list = new List<X509Certificate2>();
            var file = env("SSL_CERT_FILE");
            if (!string.IsNullOrWhiteSpace(file) && File.Exists(file)) list.AddRange(ReadPem(file!));
            var dirs = env("SSL_CERT_DIR");
            foreach (var dir in (dirs ?? "").Split(new[] { Path.PathSeparator }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!Directory.Exists(dir)) continue;
                foreach (var path in Directory.GetFiles(dir).OrderBy(p => p, StringComparer.Ordinal))
                {
                    var ext = Path.GetExtension(path).ToLowerInvariant();
                    if (ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".0" || Path.GetFileName(path).Contains(".")) list.AddRange(ReadPem(path));
                }
            }
            return new TrustedCertificates(list);
        }

        /// <summary>Every certificate in a PEM bundle; unreadable files and blocks are skipped.</summary>
        internal static IEnumerable<X509Certificate2> ReadPem(string path)
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (IOException) { yield break; }
            catch (UnauthorizedAccessException) { yield break; }
            const string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
            for (int start = text.IndexOf(begin, StringComparison.Ordinal); start >= 0; start = text.IndexOf(begin, start + 1, StringComparison.Ordinal))
            {
                int stop = text.IndexOf(end, start, StringComparison.Ordinal);
                if (stop < 0) yield break;
                var body = text.Substring(start + begin.Length, stop - start - begin.Length);
                X509Certificate2? cert = null;
                try { cert = new X509Certificate2(Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))))); }
                catch (FormatException) { }
                catch (System.Security.Cryptography.CryptographicException) { }
                if (cert != null) yield return cert;
            }
        }

        /// <summary>
        /// True when the only problem with the server's chain is an untrusted root that is one of
        /// our extra authorities.
        /// </summary>
        public bool Accepts(X509Certificate2? certificate, SslPolicyErrors errors)
        {
            if (errors == SslPolicyErrors.None) return true;
            if (certificate == null || _authorities.Count == 0 || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
            foreach (var ca in _authorities) chain.ChainPolicy.ExtraStore.Add(ca);
            if (!chain.Build(certificate)) return false;
            var root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
            return _authorities.Any(a => a.Thumbprint == root.Thumbprint);
        }
    }
}
