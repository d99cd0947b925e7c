using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using ICSharpCode.SharpZipLib.Checksum;
using OciMsBuild.Core.Streams;

namespace OciMsBuild.Core.Compression
{
    /// <summary>
    /// gzip written in fixed 1 MiB blocks compressed in parallel, as pigz does: each block is raw
    /// deflate ended by a sync flush, the blocks are joined in order into one gzip member (fixed
    /// header: no name, mtime 0, OS unknown) with one CRC-32 and length trailer. The block size is
    /// fixed, so the bytes never depend on how many threads compressed them. A bounded number of
    /// blocks is in flight, so memory stays flat whatever the layer's size. Block and output buffers
    /// come from the shared array pool: fresh 1-2 MiB arrays per block would be large-object-heap
    /// garbage that only a full collection frees, so peak memory would grow with the layer.
    /// </summary>
    public sealed class BlockGzipStream : WriteOnlyStream
    {
        public const int BlockSize = 1 << 20;
        // Deflate never grows a block by more than a few bytes per 64 KiB (stored blocks), so twice
        // the block always holds its output.
        private const int OutputCapacity = 2 * BlockSize;
        private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Shared;
        private static readonly byte[] Header = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
        // An empty final block with fixed codes: ends the deflate stream after the last sync flush.
        private static readonly byte[] FinalBlock = { 0x03, 0x00 };

        // Blocks in flight in the whole process (every layer, every project on this node): memory
        // and threads stay bounded by the cores, not by cores times layers.
        private static readonly SemaphoreSlim ProcessWideBlocks = new SemaphoreSlim(Math.Max(2, 2 * Environment.ProcessorCount));

        private readonly Stream _out;
        private readonly ZlibBlockDeflater _deflater;
        private readonly int _maxInFlight;
        private readonly Queue<Task<CompressedBlock>> _inFlight = new Queue<Task<CompressedBlock>>();
        private readonly CancellationToken _cancellation;
        private byte[] _block;
        private int _filled;
        private long _length;
        private uint _crc;
        private bool _finished;

        /// <param name="threads">Blocks compressed at once (at least 1); changes speed, never bytes.</param>
        public BlockGzipStream(Stream output, int level, int threads, CancellationToken cancellation = default)
        {
            _out = output;
            _deflater = new ZlibBlockDeflater(level);
            _maxInFlight = Math.Max(1, threads);
            _cancellation = cancellation;
            _block = Pool.Rent(BlockSize);
            _out.Write(Header, 0, Header.Length);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_finished) throw new ObjectDisposedException(nameof(BlockGzipStream));
            while (count > 0)
            {
                var take = Math.Min(count, BlockSize - _filled);
                Buffer.BlockCopy(buffer, offset, _block, _filled, take);
                _filled += take;
                offset += take;
                count -= take;
                if (_filled == BlockSize) SubmitBlock();
            }
        }

        /// <summary>Compresses what is left, writes the final block and the CRC-32/ISIZE trailer.</summary>
        public void Finish()
        {
            if (_finished) return;
            if (_filled > 0) SubmitBlock();
            while (_inFlight.Count > 0) WriteOldest();
            _finished = true;
            Pool.Return(_block);
            _out.Write(FinalBlock, 0, FinalBlock.Length);
            var trailer = new byte[8];
            WriteLittleEndian(trailer, 0, _crc);
            WriteLittleEndian(trailer, 4, (uint)(_length & 0xFFFFFFFF));
            _out.Write(trailer, 0, trailer.Length);
        }

        private void SubmitBlock()
        {
            _cancellation.ThrowIfCancellationRequested();
            // Never wait for a permit while holding some: write our own oldest block (freeing its
            // permit) first. Only a stream with nothing in flight waits, so no cycle can form.
            while (!ProcessWideBlocks.Wait(0))
            {
                if (_inFlight.Count > 0) { WriteOldest(); continue; }
                ProcessWideBlocks.Wait(_cancellation);
                break;
            }
            var block = _block;
            var count = _filled;
            Task<CompressedBlock> compressing;
            try { compressing = Task.Run(() => CompressBlock(block, count), _cancellation); }
            catch { ProcessWideBlocks.Release(); throw; }
            _inFlight.Enqueue(compressing);
            _block = Pool.Rent(BlockSize);
            _filled = 0;
            // Writing the oldest block keeps output in order and bounds memory to a few blocks per thread.
            while (_inFlight.Count > _maxInFlight) WriteOldest();
        }

        private CompressedBlock CompressBlock(byte[] block, int count)
        {
            var crc = new Crc32();
            crc.Update(new ArraySegment<byte>(block, 0, count));
            var buffer = Pool.Rent(OutputCapacity);
            try
            {
                var output = new MemoryStream(buffer, 0, buffer.Length, writable: true, publiclyVisible: true);
                var deflated = _deflater.Compress(block, count, output);
                return new CompressedBlock(block, count, (uint)crc.Value, deflated);
            }
            catch
            {
                Pool.Return(buffer);
                throw;
            }
        }

        private void WriteOldest()
        {
            CompressedBlock done;
            try { done = _inFlight.Dequeue().GetAwaiter().GetResult(); }
            finally { ProcessWideBlocks.Release(); }
            _out.Write(done.Deflated.Array!, done.Deflated.Offset, done.Deflated.Count);
            _crc = _length == 0 ? done.Crc : Crc32Combine.Combine(_crc, done.Crc, done.Count);
            _length += done.Count;
            Pool.Return(done.Source);
            Pool.Return(done.Deflated.Array!);
        }

        private static void WriteLittleEndian(byte[] b, int at, uint v)
        {
            b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); b[at + 2] = (byte)(v >> 16); b[at + 3] = (byte)(v >> 24);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_finished)
            {
                // Disposed without Finish (an exception while writing): let running blocks end, write nothing more.
                foreach (var pending in _inFlight)
                {
                    try { pending.Wait(); } catch (AggregateException) { }
                    ProcessWideBlocks.Release();
                }
                _inFlight.Clear();
                _finished = true;
            }
            base.Dispose(disposing);
        }


        private readonly struct CompressedBlock
        {
            public CompressedBlock(byte[] source, int count, uint crc, ArraySegment<byte> deflated)
            {
                Source = source;
                Count = count;
                Crc = crc;
                Deflated = deflated;
            }

            public byte[] Source { get; }
            public int Count { get; }
            public uint Crc { get; }
            public ArraySegment<byte> Deflated { get; }
        }
    }
}
