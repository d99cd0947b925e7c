namespace OciMsBuild.Core.Compression
{
    /// <summary>
    /// Joins the CRC-32s of consecutive pieces into the CRC-32 of the whole, so each block's CRC
    /// can be computed on the thread that compresses it. Arithmetic on polynomials over GF(2)
    /// modulo the (reflected) gzip polynomial, as zlib's crc32_combine does.
    /// </summary>
    internal static class Crc32Combine
    {
        private const uint ReflectedPolynomial = 0xEDB88320;

        // PowersOfX[k] = x^(2^k) modulo the polynomial, in reflected bit order.
        private static readonly uint[] PowersOfX = BuildPowers();

        /// <summary>CRC-32 of A followed by B, from crc(A), crc(B) and the length of B.</summary>
        public static uint Combine(uint crcA, uint crcB, long lengthB) =>
            Multiply(XToThe8N(lengthB), crcA) ^ crcB;

        private static uint[] BuildPowers()
        {
            var powers = new uint[32];
            uint p = 1u << 30; // x^1
            for (int k = 0; k < 32; k++)
            {
                powers[k] = p;
                p = Multiply(p, p);
            }
            return powers;
        }

        /// <summary>x^(8n) modulo the polynomial: shifting a CRC over n zero bytes.</summary>
        private static uint XToThe8N(long n)
        {
            uint result = 1u << 31; // x^0
            int k = 3;              // 8n = n * 2^3
            while (n != 0)
            {
                if ((n & 1) != 0) result = Multiply(PowersOfX[k & 31], result);
                n >>= 1;
                k++;
            }
            return result;
        }

        private static uint Multiply(uint a, uint b)
        {
            uint product = 0;
            for (uint bit = 1u << 31; bit != 0; bit >>= 1)
            {
                if ((a & bit) != 0) product ^= b;
                b = (b & 1) != 0 ? (b >> 1) ^ ReflectedPolynomial : b >> 1;
            }
            return product;
        }
    }
}
