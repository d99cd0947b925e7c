using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// The layer compressors: block-parallel gzip gives the same bytes whatever the thread count
    /// and however the input is cut into writes, and every reader we know reads it back.
    /// </summary>
    public class CompressionTests
    {
        private const int Block = BlockGzipStream.BlockSize;

        /// <summary>Compressible but not trivial: text-like runs mixed with noise, as in assemblies.</summary>
        private static byte[] Sample(int length, int seed = 1)
        {
            var random = new Random(seed);
            var data = new byte[length];
            for (int i = 0; i < length; i++)
                data[i] = (i / 64) % 3 == 0 ? (byte)random.Next(256) : (byte)('a' + (i * 7 + i / 1000) % 26);
            return data;
        }

        private static byte[] Compress(byte[] data, int threads, int writeSize, string compression = LayerCompression.Gzip, int level = 6)
        {
            var output = new MemoryStream();
            using (var stream = LayerCompression.Open(output, compression, level, threads))
            {
                for (int at = 0; at < data.Length; at += writeSize)
                    stream.Write(data, at, Math.Min(writeSize, data.Length - at));
                LayerCompression.Finish(stream);
            }
            return output.ToArray();
        }

        private static byte[] Gunzip(byte[] gz)
        {
            using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
            var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }

        [TestCase(0)]
        [TestCase(1)]
        [TestCase(Block - 1)]
        [TestCase(Block)]
        [TestCase(Block + 1)]
        [TestCase(3 * Block + Block / 2)]
        public void Block_gzip_is_identical_with_1_and_N_threads_and_any_write_sizes(int length)
        {
            var data = Sample(length);
            var one = Compress(data, threads: 1, writeSize: 65536);
            foreach (var threads in new[] { 2, 3, 8 })
                Assert.That(Compress(data, threads, writeSize: 4093), Is.EqualTo(one), $"{threads} threads");
            Assert.That(Compress(data, 4, writeSize: Math.Max(1, length)), Is.EqualTo(one), "one write");
            Assert.That(Gunzip(one), Is.EqualTo(data), ".NET's GZipStream reads it back and checks its CRC-32");
            Assert.That(one.Take(10), Is.EqualTo(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff }), "fixed header: no name, no time");
        }

        [Test]
        public void Block_gzip_is_one_member_that_gzip_and_sharpziplib_read()
        {
            var data = Sample(5 * Block + 12345, seed: 7);
            var gz = Compress(data, threads: 4, writeSize: 100000);
            using var temp = new Support.TempDir();
            var path = temp.Write("layer.gz", gz);

            var test = Run("gzip", "-t -v " + path);
            Assert.That(test.ExitCode, Is.EqualTo(0), test.Output);
            var list = Run("gzip", "-l " + path);
            Assert.That(list.Output, Does.Contain(data.Length.ToString()), "ISIZE trailer: " + list.Output);

            using var sharp = new ICSharpCode.SharpZipLib.GZip.GZipInputStream(new MemoryStream(gz)) { IsStreamOwner = true };
            var read = new MemoryStream();
            sharp.CopyTo(read);
            Assert.That(read.ToArray(), Is.EqualTo(data));
            Assert.That(gz.Length, Is.LessThan(data.Length * 0.6), "it really compresses");
        }

        [Test]
        public void Block_gzip_of_real_binaries_matches_across_thread_counts()
        {
            // The runtime's own assemblies: what a runtime layer holds.
            var dir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            var data = Directory.GetFiles(dir, "System.*.dll").OrderBy(f => f, StringComparer.Ordinal).Take(40)
                .SelectMany(File.ReadAllBytes).Take(12 * Block).ToArray();
            var one = Compress(data, 1, 65536);
            Assert.That(Compress(data, Environment.ProcessorCount * 2, 65536), Is.EqualTo(one));
            Assert.That(Gunzip(one), Is.EqualTo(data));
        }

        [TestCase(0)]
        [TestCase(1)]
        [TestCase(9)]
        public void Block_gzip_honours_every_level(int level)
        {
            var data = Sample(2 * Block + 77);
            var gz = Compress(data, 2, 65536, level: level);
            Assert.That(Gunzip(gz), Is.EqualTo(data));
            Assert.That(Compress(data, 1, 1000, level: level), Is.EqualTo(gz));
            if (level == 0) Assert.That(gz.Length, Is.GreaterThan(data.Length), "level 0 stores");
            else Assert.That(gz.Length, Is.LessThan(data.Length));
        }

        [Test]
        public void Crc32_of_pieces_combines_into_the_crc32_of_the_whole()
        {
            var data = Sample(3 * Block + 999, seed: 3);
            uint Crc(int offset, int count)
            {
                var crc = new ICSharpCode.SharpZipLib.Checksum.Crc32();
                crc.Update(new ArraySegment<byte>(data, offset, count));
                return (uint)crc.Value;
            }
            var whole = Crc(0, data.Length);
            foreach (var cut in new[] { 0, 1, 1000, Block, data.Length - 1, data.Length })
                Assert.That(Crc32Combine.Combine(Crc(0, cut), Crc(cut, data.Length - cut), data.Length - cut), Is.EqualTo(whole), $"cut at {cut}");
        }

        [Test]
        public void Zstd_is_identical_with_1_and_N_threads_and_reads_back()
        {
            var data = Sample(9 * Block + 5, seed: 11);
            var one = Compress(data, 1, 65536, LayerCompression.Zstd, 3);
            Assert.That(Compress(data, 4, 4093, LayerCompression.Zstd, 3), Is.EqualTo(one));
            Assert.That(one.Take(4), Is.EqualTo(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }), "a zstd frame");
            using var decompressor = new ZstdSharp.Decompressor();
            Assert.That(decompressor.Unwrap(one).ToArray(), Is.EqualTo(data));
        }

        [Test]
        public void Compression_and_its_level_are_validated_with_codes()
        {
            Assert.That(LayerCompression.Parse(""), Is.EqualTo("gzip"));
            Assert.That(LayerCompression.Parse("ZSTD"), Is.EqualTo("zstd"));
            var e = Assert.Throws<OciException>(() => LayerCompression.Parse("brotli"))!;
            Assert.That(e.Code, Is.EqualTo("OCI1030"));
            Assert.That(e.Message, Does.Contain("ContainerLayerCompression").And.Contain("gzip").And.Contain("zstd"));
            e = Assert.Throws<OciException>(() => SettingsValidator.LayerCompressionFor("zstd", ImageFormat.Docker))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidLayerCompression));
            Assert.That(e.Message, Does.Contain("ContainerImageFormat"));

            Assert.That(SettingsValidator.CompressionLevel("", LayerCompression.Zstd), Is.EqualTo(3));
            Assert.That(SettingsValidator.CompressionLevel("", LayerCompression.Gzip), Is.EqualTo(6));
            Assert.That(SettingsValidator.CompressionLevel("19", LayerCompression.Zstd), Is.EqualTo(19));
            foreach (var bad in new[] { "0", "20" })
                Assert.That(Assert.Throws<OciException>(() => SettingsValidator.CompressionLevel(bad, LayerCompression.Zstd))!.Code, Is.EqualTo("OCI1019"));
        }

        [Test]
        public void Fingerprint_changes_with_the_compressor()
        {
            var plan = new LayerPlan { Kind = "app" };
            var gzip = LayerPacker.Fingerprint(plan);
            plan.Compression = LayerCompression.Zstd;
            Assert.That(LayerPacker.Fingerprint(plan), Is.Not.EqualTo(gzip));
            Assert.That(LayerPacker.CompressorIdentity(plan), Does.StartWith("zstd/"));
            plan.Compression = LayerCompression.Gzip;
            Assert.That(LayerPacker.CompressorIdentity(plan), Does.Contain("zlib-block").And.Contain(System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription),
                "gzip bytes depend on the runtime's zlib: a new runtime packs again");
        }

        private static (int ExitCode, string Output) Run(string file, string args)
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
    }
}
