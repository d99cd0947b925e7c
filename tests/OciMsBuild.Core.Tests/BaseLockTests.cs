using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.References;
using OciMsBuild.Core.SupplyChain;

namespace OciMsBuild.Core.Tests
{
    public sealed class BaseLockTests
    {
        private static readonly string D1 = "sha256:" + new string('1', 64);
        private static readonly string D2 = "sha256:" + new string('2', 64);
        private static readonly string Amd = "sha256:" + new string('a', 64);
        private static readonly string Arm = "sha256:" + new string('b', 64);
        private const string Key = "registry.example/dotnet/runtime:10.0";
        private static readonly ImageReference Runtime = ImageReference.Parse(Key, "ContainerBaseImage");

        private string _dir = "";

        [SetUp]
        public void CreateFolder() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "lock-" + Guid.NewGuid().ToString("N")));

        [TearDown]
        public void RemoveFolder() => Directory.Delete(_dir, true);

        private static BaseLockFile Locked()
        {
            var file = new BaseLockFile();
            file.Record(Key, D1, "linux/amd64", Amd);
            file.Record(Key, D1, "linux/arm64/v8", Arm);
            return file;
        }

        [Test]
        public void The_text_is_sorted_without_timestamps_and_the_same_whatever_the_order_of_recording()
        {
            var one = new BaseLockFile();
            one.Record("z.example/b:1", D2, "linux/amd64", Amd);
            one.Record(Key, D1, "linux/arm64/v8", Arm);
            one.Record(Key, D1, "linux/amd64", Amd);
            var two = new BaseLockFile();
            two.Record(Key, D1, "linux/amd64", Amd);
            two.Record(Key, D1, "linux/arm64/v8", Arm);
            two.Record("z.example/b:1", D2, "linux/amd64", Amd);
            Assert.That(one.ToText(), Is.EqualTo(two.ToText()));
            Assert.That(one.ToText(), Does.EndWith("}\n").And.Not.Contain("\r"));
            Assert.That(one.ToText().IndexOf(Key, StringComparison.Ordinal), Is.LessThan(one.ToText().IndexOf("z.example", StringComparison.Ordinal)));
            Assert.That(one.ToText().IndexOf("linux/amd64", StringComparison.Ordinal), Is.LessThan(one.ToText().IndexOf("linux/arm64/v8", StringComparison.Ordinal)));
            var back = BaseLockFile.Parse(one.ToText(), "container.lock.json");
            Assert.That(back.ToText(), Is.EqualTo(one.ToText()));
            TestContext.Out.WriteLine(one.ToText());
        }

        [Test]
        public void A_new_digest_for_a_tag_drops_the_platforms_recorded_for_the_old_one()
        {
            var file = Locked();
            file.Record(Key, D2, "linux/amd64", Amd);
            Assert.That(file.Bases[Key].Digest, Is.EqualTo(D2));
            Assert.That(file.Bases[Key].Platforms.Keys, Is.EqualTo(new[] { "linux/amd64" }));
        }

        [Test]
        public void A_covered_tag_is_pinned_and_anything_else_resolves_unless_locked()
        {
            Assert.That(BaseLock.Pin(Locked(), "l.json", Runtime, new[] { "linux/amd64", "linux/arm64/v8" }, locked: true), Is.EqualTo(Key + "@" + D1));
            Assert.That(BaseLock.Pin(Locked(), "l.json", Runtime, new[] { "linux/amd64", "linux/riscv64" }, locked: false), Is.Null, "a platform the lock lacks");
            Assert.That(BaseLock.Pin(Locked(), "l.json", ImageReference.Parse("other.example/x:1", "b"), new[] { "linux/amd64" }, locked: false), Is.Null);
            Assert.That(BaseLock.Pin(null, "l.json", Runtime, new[] { "linux/amd64" }, locked: false), Is.Null, "no lock");
            Assert.That(BaseLock.Pin(Locked(), "l.json", ImageReference.Parse(Key + "@" + D2, "b"), new[] { "linux/amd64" }, locked: true), Is.Null,
                "a base pinned by digest needs no lock");
            Assert.That(BaseLock.Pin(null, "l.json", null, new[] { "linux/amd64" }, locked: true), Is.Null, "a local base is never locked");
        }

        [Test]
        public void Locked_builds_fail_with_OCI1027_naming_what_the_lock_lacks()
        {
            var noLock = Assert.Throws<OciException>(() => BaseLock.Pin(null, "/src/app/container.lock.json", Runtime, new[] { "linux/amd64" }, locked: true))!;
            Assert.That(noLock.Code, Is.EqualTo(ErrorCodes.BaseNotLocked));
            Assert.That(noLock.Message, Does.Contain("/src/app/container.lock.json").And.Contain("ContainerUpdateLock=true"));
            var noBase = Assert.Throws<OciException>(() => BaseLock.Pin(Locked(), "l.json", ImageReference.Parse("other.example/x:1", "b"), new[] { "linux/amd64" }, locked: true))!;
            Assert.That(noBase.Code, Is.EqualTo(ErrorCodes.BaseNotLocked));
            Assert.That(noBase.Message, Does.Contain("other.example/x:1").And.Contain(Key));
            var noPlatform = Assert.Throws<OciException>(() => BaseLock.Pin(Locked(), "l.json", Runtime, new[] { "linux/amd64", "linux/riscv64" }, locked: true))!;
            Assert.That(noPlatform.Code, Is.EqualTo(ErrorCodes.BaseNotLocked));
            Assert.That(noPlatform.Message, Does.Contain("linux/riscv64").And.Contain("linux/arm64/v8"));
        }

        [TestCase("not json", "not valid JSON")]
        [TestCase("{\"version\": 2, \"bases\": {}}", "\"version\" is not 1")]
        [TestCase("{\"version\": 1, \"bases\": {\"r.example/a:1\": {\"digest\": \"sha256:short\"}}}", "no valid \"digest\"")]
        [TestCase("{\"version\": 1, \"bases\": {\"r.example/a:1\": {\"digest\": \"sha256:1111111111111111111111111111111111111111111111111111111111111111\", \"platforms\": {\"linux/amd64\": 5}}}}", "platform \"linux/amd64\"")]
        public void A_damaged_lock_is_OCI1028(string text, string why)
        {
            var path = Path.Combine(_dir, "container.lock.json");
            File.WriteAllText(path, text);
            var e = Assert.Throws<OciException>(() => BaseLockFile.Load(path))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidBaseLock));
            Assert.That(e.Message, Does.Contain(why).And.Contain(path).And.Contain("ContainerUpdateLock=true"));
        }

        [Test]
        public void Parallel_platform_builds_all_land_in_the_lock()
        {
            var path = Path.Combine(_dir, "container.lock.json");
            var platforms = Enumerable.Range(0, 16).Select(i => "linux/cpu" + i.ToString("00")).ToList();
            Parallel.ForEach(platforms, new ParallelOptions { MaxDegreeOfParallelism = 8 }, p => BaseLock.Record(path, Key, D1, p, Amd));
            var file = BaseLockFile.Load(path)!;
            Assert.That(file.Bases[Key].Platforms.Keys, Is.EqualTo(platforms));
            Assert.That(BaseLock.Record(path, Key, D1, platforms[0], Amd), Is.False, "unchanged: not rewritten");
            Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temp file left");
        }
    }
}
