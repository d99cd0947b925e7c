using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.LayerCache;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// The shared layer index: a second project with the same layer content reuses the packed blob;
    /// a corrupt entry, a missing or damaged blob make it pack again (never an error); builds packing
    /// the same layer at once all succeed with the same blob, and nobody ever reads half an entry.
    /// </summary>
    public class SharedLayerCacheTests
    {
        private static readonly DateTimeOffset Mtime = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        private static readonly byte[] Runtime = MakeRuntime();
        private TempDir _temp = null!;
        private string _storePath = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _storePath = _temp.Combine("store");
        }

        [TearDown] public void TearDown() => _temp.Dispose();

        private static byte[] MakeRuntime()
        {
            var bytes = new byte[3 << 20];
            new Random(42).NextBytes(bytes);
            for (int i = 0; i < bytes.Length; i += 3) bytes[i] = 0; // compressible, so packing does real work
            return bytes;
        }

        /// <summary>A project: its own publish folder (same runtime files wherever it is) and obj/.</summary>
        private sealed class Project
        {
            public Project(TempDir temp, string name)
            {
                Obj = temp.Combine(name, "obj", "layers");
                var publish = temp.Combine(name, "bin", "publish");
                temp.Write(name + "/bin/publish/libcoreclr.so", Runtime);
                temp.Write(name + "/bin/publish/System.Private.CoreLib.dll", Runtime.Take(1 << 20).ToArray());
                Plan = LayerPlanBuilder.Build(LayerKind.Runtime, PublishFolderScanner.Scan(publish), "/app", 0, 0, Mtime);
            }

            public string Obj { get; }
            public LayerPlan Plan { get; }
            public string RecordPath => Path.Combine(Obj, "0-runtime.layer.json");

            /// <summary>As PackOciLayers does it, with its own store, index and hash cache (as another process would).</summary>
            public LayerOutcome Build(string storePath)
            {
                var store = new BlobStore(storePath);
                var hashes = FileHashCache.Load(Path.Combine(Obj, "file-hashes.txt"));
                var outcome = new SharedLayerPacker(store, new LayerIndex(store), hashes).Produce(Plan, RecordPath);
                hashes.Save();
                return outcome;
            }
        }

        private LayerIndex Index => new LayerIndex(new BlobStore(_storePath));

        private string OnlyEntry()
        {
            var entries = Directory.GetFiles(Index.Directory);
            Assert.That(entries, Has.Length.EqualTo(1), "one index entry");
            return entries[0];
        }

        [Test]
        public void A_second_project_with_the_same_layer_reuses_the_packed_blob()
        {
            var first = new Project(_temp, "FirstApp").Build(_storePath);
            Assert.That((first.Source, first.Lookup, first.Indexed), Is.EqualTo((LayerSource.Packed, LayerLookup.NoEntry, true)));

            var secondProject = new Project(_temp, "SecondApp");
            var second = secondProject.Build(_storePath);
            Assert.That(second.Source, Is.EqualTo(LayerSource.SharedCache));
            Assert.That(second.Record.Digest, Is.EqualTo(first.Record.Digest));
            Assert.That((second.Record.Size, second.Record.DiffId, second.Record.UncompressedSize, second.Record.MediaType),
                Is.EqualTo((first.Record.Size, first.Record.DiffId, first.Record.UncompressedSize, first.Record.MediaType)));
            Assert.That(second.Record.Fingerprint, Is.EqualTo(LayerPacker.Fingerprint(secondProject.Plan)), "the project's own fingerprint");
            Assert.That(second.Record.Fingerprint, Is.Not.EqualTo(first.Record.Fingerprint));

            var written = OciJson.Parse<LayerRecord>(File.ReadAllText(secondProject.RecordPath));
            Assert.That((written.Kind, written.Digest), Is.EqualTo(("runtime", first.Record.Digest)), "the project's record, written without packing");
            Assert.That(secondProject.Build(_storePath).Source, Is.EqualTo(LayerSource.UpToDate), "from now on its own record is enough");

            var entry = File.ReadAllText(OnlyEntry());
            Assert.That(entry, Does.Not.Contain("FirstApp").And.Not.Contain("SecondApp").And.Not.Contain("runtime"), "nothing project-specific in the shared entry");
        }

        [Test]
        public void An_early_pack_from_other_copies_of_the_files_is_found_by_the_project_and_writes_no_record()
        {
            // The early pack reads the runtime pack's files, the project the copies publish made of them.
            var runtimePack = new Project(_temp, "RuntimePack");
            var store = new BlobStore(_storePath);
            var warm = new SharedLayerPacker(store, new LayerIndex(store), FileHashCache.InMemory()).Warm(runtimePack.Plan);
            Assert.That((warm.Source, warm.Indexed), Is.EqualTo((LayerSource.Packed, true)));
            Assert.That(Directory.Exists(runtimePack.Obj), Is.False, "no project record, no hash file");
            Assert.That(new SharedLayerPacker(store, new LayerIndex(store), FileHashCache.InMemory()).Warm(runtimePack.Plan).Source,
                Is.EqualTo(LayerSource.SharedCache), "a second early pack packs nothing");

            var project = new Project(_temp, "App");
            var produced = project.Build(_storePath);
            Assert.That(produced.Source, Is.EqualTo(LayerSource.SharedCache));
            Assert.That(produced.Record.Digest, Is.EqualTo(warm.Record.Digest));
            Assert.That(produced.Record.Fingerprint, Is.EqualTo(LayerPacker.Fingerprint(project.Plan)), "the project's own fingerprint");
            Assert.That(File.Exists(project.RecordPath), Is.True);
        }

        [TestCase("truncated")]
        [TestCase("empty")]
        [TestCase("binary")]
        [TestCase("wrong shape")]
        public void A_corrupt_index_entry_is_ignored_and_rewritten(string damage)
        {
            var first = new Project(_temp, "FirstApp").Build(_storePath);
            var entryPath = OnlyEntry();
            var text = File.ReadAllText(entryPath);
            switch (damage)
            {
                case "truncated": File.WriteAllText(entryPath, text.Substring(0, text.Length / 2)); break;
                case "empty": File.WriteAllBytes(entryPath, new byte[0]); break;
                case "binary": File.WriteAllBytes(entryPath, new byte[] { 0xFF, 0x00, 0x1F, 0x8B }); break;
                default: File.WriteAllText(entryPath, "[1,2,3]"); break;
            }

            var second = new Project(_temp, "SecondApp").Build(_storePath);
            Assert.That((second.Source, second.Lookup, second.Indexed), Is.EqualTo((LayerSource.Packed, LayerLookup.EntryUnreadable, true)));
            Assert.That(second.Record.Digest, Is.EqualTo(first.Record.Digest));
            Assert.That(OciJson.Parse<LayerCacheEntry>(File.ReadAllText(entryPath)).IsWellFormed, Is.True, "rewritten whole");
            Assert.That(new Project(_temp, "ThirdApp").Build(_storePath).Source, Is.EqualTo(LayerSource.SharedCache));
        }

        [Test]
        public void An_entry_whose_blob_is_gone_packs_the_layer_again()
        {
            var first = new Project(_temp, "FirstApp").Build(_storePath);
            File.Delete(new BlobStore(_storePath).PathOf(first.Record.Digest));
            var second = new Project(_temp, "SecondApp").Build(_storePath);
            Assert.That((second.Source, second.Lookup), Is.EqualTo((LayerSource.Packed, LayerLookup.BlobMissing)));
            Assert.That(second.Record.Digest, Is.EqualTo(first.Record.Digest));
            Assert.That(new BlobStore(_storePath).Contains(first.Record.Digest), Is.True);
        }

        [Test]
        public void A_damaged_blob_is_removed_and_packed_again_as_the_cache_check_does()
        {
            var first = new Project(_temp, "FirstApp").Build(_storePath);
            var blob = new BlobStore(_storePath).PathOf(first.Record.Digest);
            var bytes = File.ReadAllBytes(blob);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(blob, bytes); // same size, new mtime: only the hash can tell

            var second = new Project(_temp, "SecondApp").Build(_storePath);
            Assert.That((second.Source, second.Lookup), Is.EqualTo((LayerSource.Packed, LayerLookup.BlobDamaged)));
            Assert.That(second.Record.Digest, Is.EqualTo(first.Record.Digest));
            Assert.That(Digest.OfFile(blob), Is.EqualTo(first.Record.Digest), "the blob is whole again");
            Assert.That(new Project(_temp, "ThirdApp").Build(_storePath).Source, Is.EqualTo(LayerSource.SharedCache));
        }

        [Test]
        public void A_blob_not_yet_checked_is_hashed_on_its_first_hit_then_trusted_by_its_stamp()
        {
            var first = new Project(_temp, "FirstApp").Build(_storePath);
            var entryPath = OnlyEntry();
            var entry = OciJson.Parse<LayerCacheEntry>(File.ReadAllText(entryPath));
            Assert.That(entry.BlobStamp, Is.Not.Empty, "a blob this pack wrote is known to be right");
            entry.BlobStamp = "";
            File.WriteAllText(entryPath, OciJson.ToText(entry));

            Assert.That(Index.Find(Path.GetFileNameWithoutExtension(entryPath), out _), Is.EqualTo(LayerLookup.Hit));
            Assert.That(OciJson.Parse<LayerCacheEntry>(File.ReadAllText(entryPath)).BlobStamp,
                Is.EqualTo(CacheCheckState.Stamp(new FileInfo(new BlobStore(_storePath).PathOf(first.Record.Digest)))));
        }

        [Test]
        public void An_index_that_cannot_be_written_never_fails_the_build()
        {
            Directory.CreateDirectory(_storePath);
            File.WriteAllText(Path.Combine(_storePath, "layers"), "a file where the index folder should be");
            var outcome = new Project(_temp, "FirstApp").Build(_storePath);
            Assert.That((outcome.Source, outcome.Indexed), Is.EqualTo((LayerSource.Packed, false)));
            Assert.That(LayerLog.Describe("runtime", outcome), Does.Contain("packed layer runtime: " + outcome.Record.Digest).And.Contain("not added to it"));
        }

        [Test]
        public void Builds_packing_the_same_layer_at_once_all_succeed_with_the_same_blob()
        {
            const int builds = 4;
            var projects = Enumerable.Range(0, builds).Select(i => new Project(_temp, "App" + i)).ToArray();
            using var start = new Barrier(builds);
            var outcomes = projects.Select(p => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return p.Build(_storePath);
            }, TaskCreationOptions.LongRunning)).ToArray();
            Task.WaitAll(outcomes);

            var digests = outcomes.Select(o => o.Result.Record.Digest).Distinct().ToList();
            Assert.That(digests, Has.Count.EqualTo(1), "the same layer for all");
            Assert.That(outcomes.Select(o => o.Result.Source), Has.All.AnyOf(LayerSource.Packed, LayerSource.SharedCache));
            TestContext.Out.WriteLine("sources: " + string.Join(", ", outcomes.Select(o => o.Result.Source)));
            var entry = OciJson.Parse<LayerCacheEntry>(File.ReadAllText(OnlyEntry()));
            Assert.That((entry.IsWellFormed, entry.Digest), Is.EqualTo((true, digests[0])));
            Assert.That(Directory.GetFiles(Path.Combine(_storePath, "tmp")), Is.Empty, "no temp file left");
            Assert.That(Digest.OfFile(new BlobStore(_storePath).PathOf(digests[0])), Is.EqualTo(digests[0]));
            Assert.That(new Project(_temp, "Late").Build(_storePath).Source, Is.EqualTo(LayerSource.SharedCache));
        }

        [Test]
        public void A_reader_never_sees_half_an_entry_while_others_rewrite_it()
        {
            var first = new Project(_temp, "FirstApp").Build(_storePath);
            var key = Path.GetFileNameWithoutExtension(OnlyEntry());
            var entry = OciJson.Parse<LayerCacheEntry>(File.ReadAllText(OnlyEntry()));
            // Bounded by counts, not by time: a loaded machine must not turn this into a flaky test.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            int writes = 0, reads = 0;
            bool Enough() => Volatile.Read(ref writes) >= 200 && Volatile.Read(ref reads) >= 200;
            var writers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                var index = Index;
                while (!stop.IsCancellationRequested && !Enough())
                {
                    Assert.That(index.TryPut(key, entry), Is.True);
                    Interlocked.Increment(ref writes);
                }
            })).ToArray();
            var reader = Task.Run(() =>
            {
                var index = Index;
                while (!stop.IsCancellationRequested && !Enough())
                {
                    Assert.That(index.Find(key, out var found), Is.EqualTo(LayerLookup.Hit));
                    Assert.That(found!.Digest, Is.EqualTo(first.Record.Digest));
                    Interlocked.Increment(ref reads);
                }
            });
            Task.WaitAll(writers.Append(reader).ToArray());
            TestContext.Out.WriteLine($"{writes} writes, {reads} reads");
            Assert.That(writes, Is.GreaterThan(10));
            Assert.That(reads, Is.GreaterThan(10));
            Assert.That(Directory.GetFiles(Path.Combine(_storePath, "tmp")), Is.Empty);
        }
    }
}
