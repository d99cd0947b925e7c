using System;
using System.IO;
using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class BlobStoreTests
    {
        private static readonly byte[] Hello = Encoding.ASCII.GetBytes("hello");
        private const string HelloDigest = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

        private TempDir _temp = null!;
        private BlobStore _store = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _store = new BlobStore(_temp.Combine("store"));
        }

        [TearDown] public void TearDown() => _temp.Dispose();

        private string[] BlobFiles() => Directory.Exists(_store.BlobDirectory) ? Directory.GetFiles(_store.BlobDirectory) : new string[0];
        private string[] TempFiles() => Directory.Exists(Path.Combine(_store.Root, "tmp")) ? Directory.GetFiles(Path.Combine(_store.Root, "tmp")) : new string[0];

        [Test]
        public void Put_stores_bytes_under_their_digest()
        {
            var d = _store.Put(Hello, "text/plain");
            Assert.That(d.Digest, Is.EqualTo(HelloDigest));
            Assert.That(d.Size, Is.EqualTo(5));
            Assert.That(d.MediaType, Is.EqualTo("text/plain"));
            Assert.That(_store.PathOf(HelloDigest), Is.EqualTo(Path.Combine(_store.Root, "blobs", "sha256", HelloDigest.Substring(7))));
            Assert.That(File.ReadAllBytes(_store.PathOf(HelloDigest)), Is.EqualTo(Hello));
            Assert.That(_store.Contains(HelloDigest), Is.True);

            var again = _store.Put(Hello, "other/type");
            Assert.That(again.Digest, Is.EqualTo(HelloDigest));
            Assert.That(BlobFiles(), Has.Length.EqualTo(1));
            Assert.That(TempFiles(), Is.Empty);
        }

        [Test]
        public void PutStream_hashes_while_writing()
        {
            var (digest, size) = _store.PutStream(s => { s.Write(Hello, 0, 2); s.Write(Hello, 2, 3); });
            Assert.That(digest, Is.EqualTo(HelloDigest));
            Assert.That(size, Is.EqualTo(5));
            Assert.That(_store.ReadVerified(HelloDigest), Is.EqualTo(Hello));

            var (d2, _) = _store.PutStream(s => s.Write(Hello, 0, 5), HelloDigest);
            Assert.That(d2, Is.EqualTo(HelloDigest), "a matching expected digest is accepted");
            Assert.That(TempFiles(), Is.Empty);
        }

        [Test]
        public void PutStream_with_wrong_digest_is_OCI3001_and_stores_nothing()
        {
            var wrong = "sha256:" + new string('0', 64);
            var e = Assert.Throws<OciException>(() => _store.PutStream(s => s.Write(Hello, 0, 5), wrong))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
            Assert.That(e.Message, Does.Contain(wrong).And.Contain(HelloDigest));
            Assert.That(BlobFiles(), Is.Empty);
            Assert.That(TempFiles(), Is.Empty);
            Assert.That(_store.Contains(HelloDigest), Is.False);
        }

        [Test]
        public void PutStream_that_fails_midway_leaves_no_temp_file()
        {
            Assert.Throws<IOException>(() => _store.PutStream(s => { s.Write(Hello, 0, 5); throw new IOException("disk full"); }));
            Assert.That(BlobFiles(), Is.Empty);
            Assert.That(TempFiles(), Is.Empty);
        }

        [Test]
        public void ImportFile_verifies_the_claimed_digest()
        {
            var good = _temp.Write("good", Hello);
            _store.ImportFile(good, HelloDigest);
            Assert.That(_store.ReadVerified(HelloDigest), Is.EqualTo(Hello));

            var bad = _temp.Write("bad", "not hello");
            var claimed = Digest.Of(Encoding.ASCII.GetBytes("something else"));
            var e = Assert.Throws<OciException>(() => _store.ImportFile(bad, claimed))!;
            Assert.That(e.Code, Is.EqualTo("OCI3001"));
            Assert.That(_store.Contains(claimed), Is.False);
            Assert.That(_store.Contains(Digest.OfFile(bad)), Is.False, "the mismatched content is not stored under its real digest either");
            Assert.That(BlobFiles(), Has.Length.EqualTo(1));
            Assert.That(TempFiles(), Is.Empty);
        }

        [Test]
        public void ImportFile_of_a_blob_already_stored_does_not_read_the_source()
        {
            _store.Put(Hello, "x/y");
            Assert.DoesNotThrow(() => _store.ImportFile(_temp.Combine("does-not-exist"), HelloDigest));
        }

        [Test]
        public void ReadVerified_detects_and_removes_a_damaged_blob()
        {
            _store.Put(Hello, "x/y");
            File.WriteAllText(_store.PathOf(HelloDigest), "jello");
            var e = Assert.Throws<OciException>(() => _store.ReadVerified(HelloDigest))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.BlobCorrupt));
            Assert.That(e.Message, Does.Contain("damaged").And.Contain(HelloDigest));
            Assert.That(File.Exists(_store.PathOf(HelloDigest)), Is.False, "removed so the next build recreates it");

            _store.Put(Hello, "x/y");
            Assert.That(_store.ReadVerified(HelloDigest), Is.EqualTo(Hello), "healed by the next Put");
        }

        [Test]
        public void Verify_detects_and_removes_a_damaged_blob()
        {
            _store.Put(Hello, "x/y");
            Assert.DoesNotThrow(() => _store.Verify(HelloDigest));
            File.WriteAllBytes(_store.PathOf(HelloDigest), Hello.Take(4).ToArray());
            Assert.That(Assert.Throws<OciException>(() => _store.Verify(HelloDigest))!.Code, Is.EqualTo("OCI3001"));
            Assert.That(_store.Contains(HelloDigest), Is.False);
        }

        [Test]
        public void Missing_blob_is_OCI3001()
        {
            Assert.That(Assert.Throws<OciException>(() => _store.ReadVerified(HelloDigest))!.Code, Is.EqualTo("OCI3001"));
            Assert.That(Assert.Throws<OciException>(() => _store.Verify(HelloDigest))!.Code, Is.EqualTo("OCI3001"));
        }

        [Test]
        public void Invalid_digest_never_becomes_a_path()
        {
            Assert.Throws<ArgumentException>(() => _store.PathOf("sha256:../../x"));
            Assert.Throws<ArgumentException>(() => _store.Contains("md5:abc"));
        }

        [Test]
        public void Location_prefers_the_configured_path()
        {
            Assert.That(BlobStoreLocation.Resolve(" " + _temp.Path + " "), Is.EqualTo(_temp.Path));
            Assert.That(BlobStoreLocation.Resolve(null), Is.Not.Empty);
            Assert.That(Path.IsPathRooted(BlobStoreLocation.Resolve("")), Is.True);
        }
    }
}
