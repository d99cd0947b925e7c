using System.IO;
using System.Linq;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// The base-image lock against a real registry whose tag moves: written on request, used instead
    /// of the tag, updated explicitly, enforced with ContainerLocked, and enough to build with the
    /// registry stopped.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class BaseLockTests
    {
        private const string Repository = "dotnet/runtime-deps";

        private static string TopDigest(string host)
        {
            // skopeo's Digest is the top-level manifest's (the index's, for a multi-platform tag).
            var inspect = ImageTools.Skopeo("inspect", "--tls-verify=false", "--format", "{{.Digest}}", $"docker://{host}/{Repository}:10.0").AssertSuccess("skopeo inspect");
            return inspect.Output.Trim().Split('\n').Last().Trim();
        }

        private static void PushBase(string host, string layoutTag) =>
            ImageTools.Skopeo("copy", "--all", "--dest-tls-verify=false", "oci:" + TestEnvironment.BaseLayout + ":" + layoutTag, $"docker://{host}/{Repository}:10.0")
                .AssertSuccess("skopeo copy " + layoutTag);

        private static string BaseDigestOf(TestProject project) =>
            (string)new ImageOnDisk(project.LayoutPath, project.SummaryPath).Manifest["annotations"]!["org.opencontainers.image.base.digest"]!;

        [Test]
        public void The_lock_pins_a_moving_tag_is_updated_explicitly_enforced_when_locked_and_works_offline()
        {
            var registry = RegistryServer.StartAnonymous();
            var stopped = false;
            try
            {
                PushBase(registry.Host, "deps-all");
                var first = TopDigest(registry.Host);
                var project = TestProject.Console(name: "LockedApp");
                var lockPath = Path.Combine(project.Directory_, "container.lock.json");
                var key = $"{registry.Host}/{Repository}:10.0";
                string[] Args(params string[] more) => new[] { "-r", "linux-x64", "--self-contained", $"-p:ContainerBaseImage={key}" }.Concat(more).ToArray();

                // Written on request: the tag's digest and this platform's manifest.
                var written = project.Publish(Args("-p:ContainerUpdateLock=true")).AssertSuccess("publish writing the lock");
                Assert.That(File.Exists(lockPath), Is.True, ProcessResult.Tail(written.Output));
                var text = File.ReadAllText(lockPath);
                TestContext.Out.WriteLine(text);
                var entry = JObject.Parse(text)["bases"]![key]!;
                Assert.That((string)entry["digest"]!, Is.EqualTo(first));
                var amd64 = (string)entry["platforms"]!["linux/amd64"]!;
                Assert.That(BaseDigestOf(project), Is.EqualTo(amd64));
                Assert.That(text, Does.EndWith("\n").And.Not.Contain("\r").And.Not.Match(@"20\d\d-\d\d-\d\d"), "no timestamps");

                // The tag moves: the lock still decides.
                PushBase(registry.Host, "runtime-all");
                Assert.That(TopDigest(registry.Host), Is.Not.EqualTo(first));
                var pinned = project.Publish(Args()).AssertSuccess("publish with the lock");
                Assert.That(pinned.Output, Does.Contain($"pinned by container.lock.json"));
                Assert.That(BaseDigestOf(project), Is.EqualTo(amd64), "the locked base, not the moved tag");
                Assert.That(File.ReadAllText(lockPath), Is.EqualTo(text), "using the lock never rewrites it");

                // Updating is explicit, and moves the lock; the locked build after it makes the very same image.
                project.Publish(Args("-p:ContainerUpdateLock=true")).AssertSuccess("publish updating the lock");
                var updated = JObject.Parse(File.ReadAllText(lockPath))["bases"]![key]!;
                Assert.That((string)updated["digest"]!, Is.EqualTo(TopDigest(registry.Host)));
                Assert.That(BaseDigestOf(project), Is.EqualTo((string)updated["platforms"]!["linux/amd64"]!));
                var updatedImage = new ImageOnDisk(project.LayoutPath, project.SummaryPath).Digest;
                project.Publish(Args()).AssertSuccess("publish with the updated lock");
                Assert.That(new ImageOnDisk(project.LayoutPath, project.SummaryPath).Digest, Is.EqualTo(updatedImage),
                    "base.name is the tag either way: locking changes no digest");

                // ContainerLocked: a platform the lock does not cover is an error, before anything is built.
                var missing = project.Publish(Args("-p:ContainerLocked=true", "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\""));
                Assert.That(missing.AssertCodedFailure("OCI1027"), Does.Contain("linux/arm64/v8"));

                // A damaged lock is OCI1028.
                File.WriteAllText(lockPath + ".bak", File.ReadAllText(lockPath));
                File.WriteAllText(lockPath, "{ \"version\": 1, \"bases\": { \"" + key + "\": { \"digest\": \"sha256:nope\" } } }");
                project.Publish(Args()).AssertCodedFailure("OCI1028");
                File.Move(lockPath + ".bak", lockPath, overwrite: true);

                // Both platforms recorded by one multi-platform build (its platforms resolve in parallel nodes).
                var bothRids = "-p:ContainerRuntimeIdentifiers=\"linux-x64;linux-arm64\"";
                project.Publish(Args("-p:ContainerUpdateLock=true", bothRids)).AssertSuccess("multi-platform publish updating the lock");
                var both = JObject.Parse(File.ReadAllText(lockPath))["bases"]![key]!;
                Assert.That(((JObject)both["platforms"]!).Properties().Select(p => p.Name), Is.EqualTo(new[] { "linux/amd64", "linux/arm64/v8" }));

                // The registry is gone: a locked build with a warm cache needs nothing from it, and
                // every platform of the index is built over the locked base.
                registry.Dispose();
                stopped = true;
                project.Edit("Program.cs", text => text + "\nConsole.WriteLine(\"offline edit\");\n");
                var offline = project.Publish(Args("-p:ContainerLocked=true", bothRids)).AssertSuccess("locked publish with the registry stopped");
                Assert.That(offline.Output, Does.Not.Contain("warning OCI2"));
                var image = new ImageOnDisk(project.LayoutPath, project.SummaryPath);
                var platformBases = image.Manifest["manifests"]!.Select(m => (string)image.ReadJsonBlob((string)m["digest"]!)["annotations"]!["org.opencontainers.image.base.digest"]!);
                Assert.That(platformBases, Is.EquivalentTo(((JObject)both["platforms"]!).Properties().Select(p => (string)p.Value!)));
            }
            finally { if (!stopped) registry.Dispose(); }
        }

        [Test]
        public void ContainerLocked_without_a_lock_is_OCI1027_and_a_local_base_needs_none()
        {
            var project = TestProject.Console(name: "NoLock");
            var failed = project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=127.0.0.1:1/dotnet/runtime:10.0", "-p:ContainerLocked=true");
            Assert.That(failed.AssertCodedFailure("OCI1027"), Does.Contain("container.lock.json").And.Contain("ContainerUpdateLock=true"));
            project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch", "-p:ContainerLocked=true").AssertSuccess("a local base with ContainerLocked");
        }
    }
}
