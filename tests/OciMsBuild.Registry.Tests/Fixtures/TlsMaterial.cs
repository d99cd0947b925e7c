using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A throw-away CA and a server certificate it signed, for 127.0.0.1 and localhost, as PEM files the
    /// registry (http.tls) and skopeo (--cert-dir wants a directory holding ca.crt) read. Made with .NET's
    /// CertificateRequest, so no openssl is needed.
    /// </summary>
    public sealed class TlsMaterial : IDisposable
    {
        private readonly TempDirectory _dir;

        private TlsMaterial(TempDirectory dir, X509Certificate2 ca, X509Certificate2 server)
        {
            _dir = dir;
            CaCertificate = ca;
            ServerCertificate = server;
        }

        /// <summary>The CA certificate (public part only); trust this in a client.</summary>
        public X509Certificate2 CaCertificate { get; }

        /// <summary>The server certificate with its private key.</summary>
        public X509Certificate2 ServerCertificate { get; }

        /// <summary>
        /// A chain policy that trusts exactly this CA, for SocketsHttpHandler.SslOptions.CertificateChainPolicy.
        /// Revocation checking is off: the test CA publishes no CRL/OCSP, and .NET's default (online) check
        /// fails such a chain with RevocationStatusUnknown/OfflineRevocation.
        /// </summary>
        public X509ChainPolicy CreateChainPolicy()
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.Add(CaCertificate);
            return policy;
        }

        public string CaCertificatePath => Path.Combine(CaCertificateDirectory, "ca.crt");

        /// <summary>A directory holding only ca.crt: skopeo's --cert-dir / --dest-cert-dir / --src-cert-dir.</summary>
        public string CaCertificateDirectory => _dir.Combine("ca");

        public string ServerCertificatePath => _dir.Combine("server.crt");

        public string ServerKeyPath => _dir.Combine("server.key");

        public static TlsMaterial Create()
        {
            var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
            var notAfter = DateTimeOffset.UtcNow.AddDays(2);

            using var caKey = RSA.Create(2048);
            var caRequest = new CertificateRequest("CN=OciMsBuild Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
            using var caWithKey = caRequest.CreateSelfSigned(notBefore, notAfter);

            using var serverKey = RSA.Create(2048);
            var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            serverRequest.CertificateExtensions.Add(san.Build());
            serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") /* serverAuth */ }, false));
            var serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7f; // a positive serial number
            using var serverPublic = serverRequest.Create(caWithKey, notBefore, notAfter.AddMinutes(-1), serial);
            var server = serverPublic.CopyWithPrivateKey(serverKey);

            var dir = new TempDirectory("ocimsbuild-tls");
            Directory.CreateDirectory(dir.Combine("ca"));
            var material = new TlsMaterial(dir, X509CertificateLoader.LoadCertificate(caWithKey.RawData), server);
            File.WriteAllText(material.CaCertificatePath, caWithKey.ExportCertificatePem() + "\n");
            File.WriteAllText(material.ServerCertificatePath, server.ExportCertificatePem() + "\n");
            // PKCS#8 "PRIVATE KEY": Go's tls.LoadX509KeyPair (the registry) reads it.
            File.WriteAllText(material.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem() + "\n");
            return material;
        }

        public void Dispose()
        {
            CaCertificate.Dispose();
            ServerCertificate.Dispose();
            _dir.Dispose();
        }
    }
}
