using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// The pushed record (where each blob was last seen in a registry) is a hint: per registry, safe under
    /// concurrent builds, and never able to fail a build. The key that lets tasks share registry
    /// connections changes with every setting that shapes them and holds no value.
    /// </summary>
    public class PushedBlobsTests
    {
        private static readonly string DigestA = Digest.Of(new byte[] { 1 });
        private TempDir _temp = null!;

        [SetUp] public void SetUp() => _temp = new TempDir();
        [TearDown] public void TearDown() => _temp.Dispose();

        [Test]
        public void Records_the_last_repository_per_registry()
        {
            var pushed = new PushedBlobs(new BlobStore(_temp.Combine("store")));
            Assert.That(pushed.RepositoryOf("reg.example:5000", DigestA), Is.Null);
            pushed.Remember("Reg.Example:5000", "team/first", DigestA);
            pushed.Remember("other.example", "elsewhere", DigestA);
            Assert.That(pushed.RepositoryOf("reg.example:5000", DigestA), Is.EqualTo("team/first"), "registry names compare without case");
            pushed.Remember("reg.example:5000", "team/second", DigestA);
            Assert.That(pushed.RepositoryOf("reg.example:5000", DigestA), Is.EqualTo("team/second"), "the last place wins");
            Assert.That(pushed.RepositoryOf("other.example", DigestA), Is.EqualTo("elsewhere"));
            Assert.That(File.Exists(Path.Combine(pushed.Directory, "reg.example_5000", Digest.Hex(DigestA) + ".json")), Is.True);
        }

        [Test]
        public void Concurrent_builds_never_leave_a_torn_record_or_a_temp_file()
        {
            var store = new BlobStore(_temp.Combine("store"));
            Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                // Separate instances, as separate builds would have.
                var pushed = new PushedBlobs(store);
                pushed.Remember("reg.example", "repo" + (i % 5), DigestA);
                Assert.That(pushed.RepositoryOf("reg.example", DigestA), Does.StartWith("repo"), "a reader never sees half a file");
            });
            Assert.That(new PushedBlobs(store).RepositoryOf("reg.example", DigestA), Does.Match("^repo[0-4]$"));
            Assert.That(Directory.GetFiles(_temp.Combine("store", "tmp")), Is.Empty);
        }

        [Test]
        public void An_unwritable_store_never_fails_the_push()
        {
            var store = new BlobStore(_temp.Combine("store"));
            // A file where the pushed/ folder would go: every write fails.
            Directory.CreateDirectory(_temp.Combine("store"));
            File.WriteAllText(_temp.Combine("store", "pushed"), "in the way");
            var pushed = new PushedBlobs(store);
            Assert.DoesNotThrow(() => pushed.Remember("reg.example", "repo", DigestA));
            Assert.That(pushed.RepositoryOf("reg.example", DigestA), Is.Null);
        }

        [Test]
        public void Sharing_key_changes_with_every_setting_and_holds_no_value()
        {
            var env = new Hashtable { ["HOME"] = "/home/u", ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "Secret-Value-123" };
            var options = new RegistryOptions();
            var key = SharedConnectionsKey.For(options, env);
            Assert.That(SharedConnectionsKey.For(new RegistryOptions(), new Hashtable(env)), Is.EqualTo(key), "same settings: shared");
            Assert.That(key, Does.Not.Contain("Secret-Value-123").And.Not.Contain("/home/u"));

            var changedEnv = new Hashtable(env) { ["HTTPS_PROXY"] = "http://proxy:3128" };
            Assert.That(SharedConnectionsKey.For(options, changedEnv), Is.Not.EqualTo(key), "a proxy variable");
            var otherPassword = new Hashtable(env) { ["DOTNET_CONTAINER_PUSH_REGISTRY_PWORD"] = "Other" };
            Assert.That(SharedConnectionsKey.For(options, otherPassword), Is.Not.EqualTo(key), "another credential");
            var insecure = new RegistryOptions();
            insecure.InsecureRegistries.Add("reg.example");
            Assert.That(SharedConnectionsKey.For(insecure, env), Is.Not.EqualTo(key), "an insecure registry");
            Assert.That(SharedConnectionsKey.For(new RegistryOptions { RequestTimeout = TimeSpan.FromSeconds(5) }, env), Is.Not.EqualTo(key), "a timeout");
        }
    }
}
