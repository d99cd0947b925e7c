using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Cache;

namespace OciMsBuild.Core.Tests
{
    public class StoreLockTests
    {
        private string _root = "";
        private BlobStore _store = null!;

        [SetUp]
        public void CreateStore()
        {
            _root = Path.Combine(Path.GetTempPath(), "storelock-" + Guid.NewGuid().ToString("N"));
            _store = new BlobStore(_root);
        }

        [TearDown]
        public void RemoveStore()
        {
            if (Directory.Exists(_root)) Directory.Delete(_root, true);
        }

        [Test]
        public void One_holder_at_a_time_and_the_next_gets_it_once_released()
        {
            using (var first = StoreLock.Acquire(_store, "layer abc", TimeSpan.FromSeconds(5), CancellationToken.None))
            {
                Assert.That(first, Is.Not.Null);
                Assert.That(StoreLock.Acquire(_store, "layer abc", TimeSpan.FromMilliseconds(300), CancellationToken.None), Is.Null,
                    "held: a waiter gives up after its limit (and then works without the lock)");
                Assert.That(StoreLock.PathFor(_store, "layer xyz"), Is.Not.EqualTo(StoreLock.PathFor(_store, "layer abc")));
                using var other = StoreLock.Acquire(_store, "layer xyz", TimeSpan.Zero, CancellationToken.None);
                Assert.That(other, Is.Not.Null, "another piece of work (in another of the lock files) has its own lock");
            }
            using var again = StoreLock.Acquire(_store, "layer abc", TimeSpan.Zero, CancellationToken.None);
            Assert.That(again, Is.Not.Null, "released on dispose");
            Assert.That(again!.Waited, Is.EqualTo(TimeSpan.Zero), "free at the first try");
            Assert.That(File.Exists(StoreLock.PathFor(_store, "layer abc")), Is.True);
            Assert.That(Enumerable.Range(0, 5000).Select(i => StoreLock.PathFor(_store, "push r sha256:" + i)).Distinct().Count(), Is.LessThanOrEqualTo(StoreLock.Buckets),
                "a bounded set of lock files, however many layers and blobs a store has seen");
        }

        [Test]
        public async Task A_waiter_gets_the_lock_when_the_holder_lets_go_and_says_how_long_it_waited()
        {
            var first = await StoreLock.AcquireAsync(_store, "push r blob", TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.That(first, Is.Not.Null);
            var waiter = StoreLock.AcquireAsync(_store, "push r blob", TimeSpan.FromSeconds(30), CancellationToken.None);
            await Task.Delay(400);
            Assert.That(waiter.IsCompleted, Is.False, "waits while it is held");
            first!.Dispose();
            using var second = await waiter;
            Assert.That(second, Is.Not.Null);
            Assert.That(second!.Waited, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300)));
        }

        [Test]
        public void A_store_that_cannot_hold_a_lock_file_means_no_lock_at_once_not_a_wait()
        {
            // A file where the locks folder would go: nothing can be created there (as in a read-only store).
            Directory.CreateDirectory(_root);
            File.WriteAllText(Path.Combine(_root, StoreLock.FolderName), "");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.That(StoreLock.Acquire(_store, "layer abc", TimeSpan.FromSeconds(30), CancellationToken.None), Is.Null);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        }

        [Test]
        public void Cancellation_stops_the_wait()
        {
            using var first = StoreLock.Acquire(_store, "layer abc", TimeSpan.Zero, CancellationToken.None);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            Assert.That(() => StoreLock.Acquire(_store, "layer abc", TimeSpan.FromSeconds(30), cts.Token), Throws.InstanceOf<OperationCanceledException>());
        }
    }
}
