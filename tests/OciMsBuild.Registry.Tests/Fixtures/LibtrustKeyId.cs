using System;
using System.Security.Cryptography;
using System.Text;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// The docker/libtrust key id that distribution 2.8 uses to find a token's signing key among the
    /// rootcertbundle certificates (JWT header "kid"): base32 (RFC 4648, no padding) of the first 30
    /// bytes of SHA-256 over the public key's SubjectPublicKeyInfo DER, in 4-character groups joined by ':'.
    /// </summary>
    public static class LibtrustKeyId
    {
        private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

        public static string Compute(AsymmetricAlgorithm key) => FromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo());

        public static string FromSubjectPublicKeyInfo(byte[] spkiDer)
        {
            var hash = SHA256.HashData(spkiDer);
            var encoded = Base32(hash.AsSpan(0, 30)); // 240 bits = 48 characters, never padded
            var groups = new StringBuilder();
            for (var i = 0; i < encoded.Length; i += 4)
            {
                if (i > 0) groups.Append(':');
                groups.Append(encoded, i, Math.Min(4, encoded.Length - i));
            }
            return groups.ToString();
        }

        private static string Base32(ReadOnlySpan<byte> data)
        {
            var sb = new StringBuilder();
            int buffer = 0, bits = 0;
            foreach (var b in data)
            {
                buffer = (buffer << 8) | b;
                bits += 8;
                while (bits >= 5)
                {
                    sb.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                    bits -= 5;
                }
            }
            if (bits > 0) sb.Append(Alphabet[(buffer << (5 - bits)) & 31]);
            return sb.ToString();
        }
    }
}
