using System;
using System.IO;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>Every failure under the blob store is a coded error naming the store and ContainerBlobCachePath.</summary>
    public class BlobStoreFailureTests
    {
        private TempDir _temp = null!;

        [SetUp] public void SetUp() => _temp = new TempDir();
        [TearDown] public void TearDown() => _temp.Dispose();

        private static void AssertNamesTheStore(OciException e, string root)
        {
            Assert.That(e.Message, Does.Contain(root).And.Contain("ContainerBlobCachePath"));
        }

        [Test]
        public void A_store_path_that_is_a_file_is_OCI3015_before_anything_is_written()
        {
            var file = _temp.Write("cache-file", "not a directory");
            var e = Assert.Throws<OciException>(() => BlobStoreFailures.CheckLocation(file))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
            Assert.That(e.Message, Does.Contain("it is a file, not a directory"));
            AssertNamesTheStore(e, file);

            var below = Path.Combine(file, "sub", "store");
            e = Assert.Throws<OciException>(() => BlobStoreFailures.CheckLocation(below))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
            Assert.That(e.Message, Does.Contain("'" + file + "' on its path is a file"));

            Assert.DoesNotThrow(() => BlobStoreFailures.CheckLocation(_temp.Combine("not-yet", "created")));
        }

        [Test]
        public void Writing_into_a_store_that_is_a_file_is_OCI3015_not_an_exception_trace()
        {
            var file = _temp.Write("cache-file", "not a directory");
            var store = new BlobStore(file);
            var e = Assert.Throws<OciException>(() => store.Put(Encoding.ASCII.GetBytes("x"), "text/plain"))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
            AssertNamesTheStore(e, file);
            e = Assert.Throws<OciException>(() => store.PutStream(s => s.WriteByte(1)))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
            e = Assert.Throws<OciException>(() => new TagCache(store).Put("registry.example/base:1", "sha256:" + new string('a', 64)))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
            Assert.That(File.ReadAllText(file), Is.EqualTo("not a directory"), "nothing was written over the file");
        }

        [Test]
        public void The_platforms_disk_full_error_is_OCI3016()
        {
            // /dev/full fails every write with ENOSPC: the same errno a full disk gives, as .NET reports it.
            var full = Assert.Throws<IOException>(() =>
            {
                using var s = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                s.Write(new byte[4096], 0, 4096);
                s.Flush();
            })!;
            Assert.That(BlobStoreFailures.IsDiskFull(full), Is.True, $"HResult {full.HResult}: {full.Message}");
            var e = BlobStoreFailures.Translate(full, _temp.Path, "storing blob sha256:1234");
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheFull));
            AssertNamesTheStore(e, _temp.Path);
            Assert.That(e.Message, Does.Contain("is full").And.Contain("storing blob sha256:1234").And.Contain("Free space"));
        }

        [Test]
        public void Read_only_and_access_denied_are_OCI3015()
        {
            var e = BlobStoreFailures.Translate(new UnauthorizedAccessException("Access to the path '/x' is denied."), _temp.Path, "storing a blob");
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
            Assert.That(e.Message, Does.Contain("cannot be written").And.Contain("writable"));
            AssertNamesTheStore(e, _temp.Path);
            var erofs = new IOException("Read-only file system : '/x'", 30);
            Assert.That(BlobStoreFailures.Translate(erofs, _temp.Path, "storing a blob").Code, Is.EqualTo(ErrorCodes.BlobCacheUnusable));
        }

        [Test]
        public void Other_write_failures_are_OCI3017_and_coded_errors_pass_through()
        {
            var e = BlobStoreFailures.Translate(new IOException("Input/output error", 5), _temp.Path, "storing a blob");
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCacheWriteFailed));
            AssertNamesTheStore(e, _temp.Path);
            var coded = new OciException(ErrorCodes.BlobCorrupt, "x");
            Assert.That(BlobStoreFailures.Translate(coded, _temp.Path, "x"), Is.SameAs(coded));
        }

        [Test]
        public void A_failing_source_is_not_blamed_on_the_store()
        {
            var store = new BlobStore(_temp.Combine("store"));
            // A publish file or base layer that cannot be read keeps its own exception: the store is fine.
            Assert.Throws<FileNotFoundException>(() => store.PutStream(s => File.OpenRead(_temp.Combine("missing")).CopyTo(s)));
            Assert.That(Directory.GetFiles(Path.Combine(store.Root, "tmp")), Is.Empty);
        }
    }
}
