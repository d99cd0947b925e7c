using System;
using System.IO;

namespace OciMsBuild.Core.Cache
{
    /// <summary>
    /// The temp file a blob is streamed into. Failures of this file (disk full, read-only) become
    /// coded blob-store errors right here, so they are told apart from failures of whatever the
    /// caller reads from (a publish file, a base layer, a download), which keep their own meaning.
    /// </summary>
    internal sealed class StoreWriteStream : Stream
    {
        private readonly FileStream _file;
        private readonly string _root;
        private readonly string _doing;

        public StoreWriteStream(string path, string root, string doing, FileMode mode = FileMode.CreateNew)
        {
            _root = root;
            _doing = doing;
            try { _file = new FileStream(path, mode, FileAccess.Write, FileShare.None, 1 << 16); }
            catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e)) { throw BlobStoreFailures.Translate(e, root, doing); }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            try { _file.Write(buffer, offset, count); }
            catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e)) { throw BlobStoreFailures.Translate(e, _root, _doing); }
        }

        public override void Flush()
        {
            try { _file.Flush(); }
            catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e)) { throw BlobStoreFailures.Translate(e, _root, _doing); }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                // Closing flushes what is still buffered: the last write can be the one that finds the disk full.
                try { _file.Dispose(); }
                catch (Exception e) when (BlobStoreFailures.IsFileSystemFailure(e)) { throw BlobStoreFailures.Translate(e, _root, _doing); }
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _file.Length;
        public override long Position { get => _file.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
