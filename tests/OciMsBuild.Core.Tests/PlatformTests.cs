using System;
using System.Runtime.InteropServices;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class RuntimeIdentifierTests
    {
        [Test]
        public void Explicit_linux_rid_wins()
        {
            Assert.That(RuntimeIdentifiers.Choose("linux-arm64", "linux-x64"), Is.EqualTo("linux-arm64"));
            Assert.That(RuntimeIdentifiers.Choose(" linux-musl-x64 ", null), Is.EqualTo("linux-musl-x64"));
        }

        [TestCase("win-x64")]
        [TestCase("osx-arm64")]
        [TestCase("linux-mips")]
        [TestCase("linux")]
        public void Explicit_non_linux_rid_is_OCI1012(string rid)
        {
            var e = Assert.Throws<OciException>(() => RuntimeIdentifiers.Choose(rid, "linux-x64"))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.NonLinuxRuntimeIdentifier));
            Assert.That(e.Message, Does.Contain("ContainerRuntimeIdentifier '" + rid + "'").And.Contain("linux-x64"));
        }

        [Test]
        public void Publish_linux_rid_is_used()
        {
            Assert.That(RuntimeIdentifiers.Choose(null, "linux-musl-arm64"), Is.EqualTo("linux-musl-arm64"));
            Assert.That(RuntimeIdentifiers.Choose("  ", "linux-arm"), Is.EqualTo("linux-arm"));
        }

        [Test]
        public void Otherwise_the_host_architecture()
        {
            var expected = RuntimeInformation.OSArchitecture switch
            {
                Architecture.Arm64 => "linux-arm64",
                Architecture.Arm => "linux-arm",
                Architecture.X86 => "linux-x86",
                _ => "linux-x64",
            };
            Assert.That(RuntimeIdentifiers.ForHostArchitecture(), Is.EqualTo(expected));
            Assert.That(RuntimeIdentifiers.Choose(null, null), Is.EqualTo(expected));
            Assert.That(RuntimeIdentifiers.Choose(null, "win-x64"), Is.EqualTo(expected), "a Windows publish RID is not an image RID");
            Assert.That(RuntimeIdentifiers.Choose("", "osx-arm64"), Is.EqualTo(expected));
        }

        [TestCase("linux-x64", "linux/amd64")]
        [TestCase("linux-arm64", "linux/arm64/v8")]
        [TestCase("linux-arm", "linux/arm/v7")]
        [TestCase("linux-musl-x64", "linux/amd64")]
        [TestCase("linux-musl-arm64", "linux/arm64/v8")]
        [TestCase("linux-x86", "linux/386")]
        [TestCase("linux-s390x", "linux/s390x")]
        [TestCase("linux-ppc64le", "linux/ppc64le")]
        [TestCase("linux-riscv64", "linux/riscv64")]
        [TestCase("linux-loongarch64", "linux/loong64")]
        public void ToPlatform(string rid, string platform) => Assert.That(RuntimeIdentifiers.ToPlatform(rid).ToString(), Is.EqualTo(platform));

        [Test]
        public void ToPlatform_of_an_unknown_architecture_is_OCI1012()
        {
            Assert.That(Assert.Throws<OciException>(() => RuntimeIdentifiers.ToPlatform("linux-mips"))!.Code, Is.EqualTo("OCI1012"));
        }

        [TestCase("linux-x64", true, false)]
        [TestCase("linux-musl-arm64", true, true)]
        [TestCase("win-x64", false, false)]
        [TestCase("linux-", false, false)]
        [TestCase("ubuntu.22.04-x64", false, false)]
        public void IsLinux_and_IsMusl(string rid, bool linux, bool musl)
        {
            Assert.That(RuntimeIdentifiers.IsLinux(rid), Is.EqualTo(linux));
            Assert.That(RuntimeIdentifiers.IsMusl(rid), Is.EqualTo(musl));
        }

        [Test]
        public void Assets_file_runtime_targets()
        {
            using var temp = new TempDir();
            var assets = temp.Write("project.assets.json",
                "{\"version\":3,\"targets\":{\"net10.0\":{\"X/1.0\":{}},\"net10.0/linux-x64\":{\"X/1.0\":{\"runtime\":{}}}},\"libraries\":{\"targets\":{}}}");
            Assert.That(AssetsFile.HasRuntimeTarget(assets, "net10.0", "linux-x64"), Is.True);
            Assert.That(AssetsFile.HasRuntimeTarget(assets, "net10.0", "linux-arm64"), Is.False);
            Assert.That(AssetsFile.HasRuntimeTarget(assets, "net9.0", "linux-x64"), Is.False);
            Assert.That(AssetsFile.HasRuntimeTarget(temp.Combine("missing.json"), "net10.0", "linux-x64"), Is.False);
        }
    }

    public class PlatformTests
    {
        private static Platform P(string s)
        {
            var parts = s.Split('/');
            return new Platform(parts[0], parts[1], parts.Length > 2 ? parts[2] : null);
        }

        [TestCase("linux/arm64/v8", "linux/arm64", true)]
        [TestCase("linux/arm64/v8", "linux/arm64/v8", true)]
        [TestCase("linux/arm64", "linux/arm64/v8", true)]
        [TestCase("linux/arm64", "linux/arm64", true)]
        [TestCase("linux/arm64/v8", "linux/arm64/v9", false)]
        [TestCase("linux/arm64", "linux/arm64/v9", false)]
        [TestCase("linux/arm/v7", "linux/arm", true)]
        [TestCase("linux/arm/v7", "linux/arm/v6", false)]
        [TestCase("linux/amd64", "linux/amd64", true)]
        [TestCase("linux/amd64", "linux/arm64", false)]
        [TestCase("linux/amd64", "windows/amd64", false)]
        public void IsSatisfiedBy(string wanted, string candidate, bool expected) =>
            Assert.That(P(wanted).IsSatisfiedBy(P(candidate)), Is.EqualTo(expected));

        [Test]
        public void Null_candidate_never_satisfies() => Assert.That(P("linux/amd64").IsSatisfiedBy(null), Is.False);

        [Test]
        public void Equality_and_text()
        {
            Assert.That(new Platform("linux", "arm64", "v8"), Is.EqualTo(P("linux/arm64/v8")));
            Assert.That(new Platform("linux", "arm64", ""), Is.EqualTo(P("linux/arm64")));
            Assert.That(new Platform("linux", "arm64"), Is.Not.EqualTo(P("linux/arm64/v8")));
            Assert.That(new Platform("linux", "amd64").GetHashCode(), Is.EqualTo(P("linux/amd64").GetHashCode()));
        }
    }

    public class SourceDateEpochTests
    {
        [TestCase(null)]
        [TestCase("")]
        [TestCase("   ")]
        public void Unset_is_the_unix_epoch(string? value) =>
            Assert.That(SourceDateEpoch.Resolve(value), Is.EqualTo(DateTimeOffset.FromUnixTimeSeconds(0)));

        [TestCase("1700000000", "2023-11-14T22:13:20Z")]
        [TestCase(" 0 ", "1970-01-01T00:00:00Z")]
        [TestCase("253402300799", "9999-12-31T23:59:59Z")]
        public void Parses_and_formats(string value, string text)
        {
            var time = SourceDateEpoch.Resolve(value);
            Assert.That(time.ToUnixTimeSeconds(), Is.EqualTo(long.Parse(value.Trim())));
            Assert.That(SourceDateEpoch.Format(time), Is.EqualTo(text));
        }

        [Test]
        public void Format_is_utc_whatever_the_offset()
        {
            var local = new DateTimeOffset(2024, 3, 1, 1, 30, 0, TimeSpan.FromHours(2));
            Assert.That(SourceDateEpoch.Format(local), Is.EqualTo("2024-02-29T23:30:00Z"));
        }

        [TestCase("-1")]
        [TestCase("1.5")]
        [TestCase("1e9")]
        [TestCase("abc")]
        [TestCase("+5")]
        [TestCase("253402300800")]
        [TestCase("99999999999999999999")]
        public void Invalid_is_OCI1017(string value)
        {
            var e = Assert.Throws<OciException>(() => SourceDateEpoch.Resolve(value))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidSourceDateEpoch));
            Assert.That(e.Message, Does.Contain("SOURCE_DATE_EPOCH '" + value + "'"));
        }
    }
}
