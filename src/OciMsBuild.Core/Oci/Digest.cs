using System;
using System.IO;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace OciMsBuild.Core.Oci
{
    /// <summary>sha256 content digests, the only algorithm we write.</summary>
    public static class Digest
    {
        private static readonly Regex Pattern = new Regex("^sha256:[a-f0-9]{64}$", RegexOptions.CultureInvariant);

        public static bool IsValid(string? digest) => digest != null && Pattern.IsMatch(digest);

        public static string Of(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return Format(sha.ComputeHash(bytes));
        }

        public static string OfFile(string path)
        {
            using var sha = SHA256.Create();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Format(sha.ComputeHash(stream));
        }

        public static string Format(byte[] hash) => "sha256:" + ToHex(hash);

        /// <summary>The hex part, used as a file name in blobs/sha256/.</summary>
        public static string Hex(string digest)
        {
            if (!IsValid(digest)) throw new ArgumentException($"'{digest}' is not a sha256 digest", nameof(digest));
            return digest.Substring("sha256:".Length);
        }

        private static string ToHex(byte[] bytes)
        {
            var chars = new char[bytes.Length * 2];
            const string hex = "0123456789abcdef";
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = hex[bytes[i] >> 4];
                chars[2 * i + 1] = hex[bytes[i] & 0xF];
            }
            return new string(chars);
        }
    }
}
