using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Streams;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Uploads a layer while it is being compressed: a write-only stream that cuts the compressed
    /// bytes into chunks sent as PATCH requests in the background, and closes the upload with the
    /// digest once the packer knows it. Best effort by design: the bytes also go to the blob store,
    /// so any failure (or a registry that refuses chunks) only turns the stream off; writes never
    /// throw, and the push then uploads the stored blob as it always did. At most three chunks are
    /// held (one filling, one queued, one in flight), whatever the layer's size; they come from the
    /// shared array pool, so a build of many layers does not leave 8 MiB arrays behind for the GC.
    /// </summary>
    public sealed class StreamingUpload : WriteOnlyStream
    {
        public const int DefaultChunkSize = 8 << 20;
        private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Shared;

        /// <summary>How long packing waits for the upload to take a chunk before it stops streaming (a slow or stalled registry).</summary>
        public static readonly TimeSpan MaxWaitForRoom = TimeSpan.FromSeconds(15);

        private readonly RegistryClient _client;
        private readonly string _repository;
        private readonly int _chunkSize;
        private readonly BlockingCollection<(byte[] Buffer, int Length)> _queue = new BlockingCollection<(byte[], int)>(boundedCapacity: 1);
        private readonly CancellationTokenSource _stop;
        private readonly Task _sender;
        private byte[] _current;
        private int _filled;
        private long _offset;
        private Uri? _location;
        private volatile bool _failed;

        public StreamingUpload(RegistryClient client, string repository, int chunkSize = DefaultChunkSize, CancellationToken cancellation = default)
        {
            _client = client;
            _repository = repository;
            _chunkSize = chunkSize;
            _current = Pool.Rent(chunkSize);
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            _sender = Task.Run(SendAsync);
        }

        /// <summary>
        /// Whether the repository already has one of <paramref name="tags"/>: then streaming would most
        /// likely send layers the registry has (a rebuild), so it is not done. A failed check means no.
        /// </summary>
        public static async Task<bool> AnyTagExistsAsync(RegistryClient client, string repository, string[] tags, CancellationToken ct)
        {
            try
            {
                foreach (var tag in tags)
                    if (await client.HeadManifestAsync(repository, tag, ct).ConfigureAwait(false) != null) return true;
                return false;
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception) { return true; }
        }

        /// <summary>Why streaming stopped, when it did (for a low-importance log line).</summary>
        public string? FailureReason { get; private set; }

        public long BytesSent { get; private set; }

        /// <summary>Where the blob went, for the pushed record (the next repository mounts it from there).</summary>
        public string Registry => _client.Registry;
        public string Repository => _repository;

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (_failed) return;
            while (count > 0)
            {
                var take = Math.Min(count, _chunkSize - _filled);
                Buffer.BlockCopy(buffer, offset, _current, _filled, take);
                _filled += take;
                offset += take;
                count -= take;
                if (_filled == _chunkSize && !Hand(_chunkSize)) return;
            }
        }

        /// <summary>Sends what is left and closes the upload; true when the registry now has the blob.</summary>
        public bool Complete(string digest)
        {
            if (!_failed && _filled > 0) Hand(_filled, last: true);
            _queue.CompleteAdding();
            try { _sender.GetAwaiter().GetResult(); } catch (Exception) { }
            if (_failed || _location == null) { Abandon(); return false; }
            try
            {
                _client.CompleteStreamingUploadAsync(_repository, _location, digest, _stop.Token).GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e)
            {
                Fail(e);
                Abandon();
                return false;
            }
        }

        /// <summary>Stops sending and drops the registry's session (the packing failed or was cancelled).</summary>
        public void Abandon()
        {
            _failed = true;
            _queue.CompleteAdding();
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
            try { _sender.Wait(TimeSpan.FromSeconds(5)); } catch (Exception) { }
            if (_location != null)
            {
                try { _client.AbandonStreamingUploadAsync(_repository, _location).Wait(TimeSpan.FromSeconds(10)); } catch (Exception) { }
                _location = null;
            }
        }

        private bool Hand(int length, bool last = false)
        {
            try
            {
                // Packing never waits long on the registry: the push uploads the stored blob instead.
                if (!_queue.TryAdd((_current, length), (int)MaxWaitForRoom.TotalMilliseconds, _stop.Token))
                {
                    Fail(new TimeoutException("the registry took the previous chunk too slowly"));
                    return false;
                }
            }
            catch (Exception) when (_failed || _stop.IsCancellationRequested || _queue.IsAddingCompleted)
            {
                return false;
            }
            _current = last ? Array.Empty<byte>() : Pool.Rent(_chunkSize);
            _filled = 0;
            return true;
        }

        private async Task SendAsync()
        {
            try
            {
                _location = await _client.BeginStreamingUploadAsync(_repository, _stop.Token).ConfigureAwait(false);
                foreach (var (buffer, length) in _queue.GetConsumingEnumerable(_stop.Token))
                {
                    try { _location = await _client.PatchChunkAsync(_repository, _location, buffer, length, _offset, _stop.Token).ConfigureAwait(false); }
                    finally { Pool.Return(buffer); }
                    _offset += length;
                    BytesSent = _offset;
                }
            }
            catch (Exception e)
            {
                Fail(e);
                // Unblock a writer waiting for room; what it hands over from now on is dropped.
                while (_queue.TryTake(out var dropped)) Pool.Return(dropped.Buffer);
            }
        }

        private void Fail(Exception e)
        {
            if (_failed) return;
            _failed = true;
            FailureReason = e.Message;
            // Ends a request still in flight and frees a writer waiting for room.
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (!_queue.IsAddingCompleted) Abandon();
                _stop.Dispose();
                _queue.Dispose();
            }
            base.Dispose(disposing);
        }

    }
}
