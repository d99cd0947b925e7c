using System;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;

namespace OciMsBuild.Core.Output
{
    /// <summary>
    /// Recognises an image tarball from its first entry, without reading the rest: ours and
    /// `docker save` (Engine 25+) start with blobs/, older `docker save` with a 64-hex layer folder
    /// or manifest.json/repositories, other OCI tools with oci-layout or index.json.
    /// </summary>
    internal static class TarProbe
    {
        private const int Block = 512;
        private static readonly Regex ImageEntry = new Regex(
            @"^(\./)?(blobs(/.*)?|oci-layout|index\.json|manifest\.json|repositories|[a-f0-9]{64}(\.json|/.*)?)$",
            RegexOptions.CultureInvariant);

        public static bool LooksLikeImageArchive(string path)
        {
            try
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                var header = new byte[Block];
                // At most a few extended headers (pax 'x'/'g', GNU long names 'L') precede the first real entry.
                for (int i = 0; i < 4; i++)
                {
                    if (!ReadBlock(file, header) || !IsTarHeader(header)) return false;
                    char type = (char)header[156];
                    if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
                    {
                        long size = ParseOctal(header, 124, 12);
                        if (size < 0) return false;
                        file.Seek((size + Block - 1) / Block * Block, SeekOrigin.Current);
                        continue;
                    }
                    return ImageEntry.IsMatch(NameOf(header));
                }
                return false;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static bool ReadBlock(Stream stream, byte[] buffer)
        {
            int read = 0;
            while (read < buffer.Length)
            {
                int n = stream.Read(buffer, read, buffer.Length - read);
                if (n == 0) return false;
                read += n;
            }
            return true;
        }

        /// <summary>ustar/GNU magic at 257, and a checksum that matches.</summary>
        private static bool IsTarHeader(byte[] h)
        {
            if (Encoding.ASCII.GetString(h, 257, 5) != "ustar") return false;
            long stored = ParseOctal(h, 148, 8);
            long sum = 0;
            for (int i = 0; i < Block; i++) sum += i >= 148 && i < 156 ? (byte)' ' : h[i];
            return stored == sum;
        }

        private static string NameOf(byte[] h)
        {
            string Field(int offset, int length)
            {
                int end = Array.IndexOf(h, (byte)0, offset, length);
                return Encoding.UTF8.GetString(h, offset, (end < 0 ? offset + length : end) - offset);
            }
            var prefix = Field(345, 155);
            var name = Field(0, 100);
            return prefix.Length > 0 ? prefix + "/" + name : name;
        }

        private static long ParseOctal(byte[] h, int offset, int length)
        {
            long value = 0;
            bool any = false;
            for (int i = offset; i < offset + length; i++)
            {
                byte b = h[i];
                if (b == 0 || b == (byte)' ') { if (any) break; continue; }
                if (b < (byte)'0' || b > (byte)'7') return -1;
                value = value * 8 + (b - '0');
                any = true;
            }
            return any ? value : -1;
        }
    }
}
