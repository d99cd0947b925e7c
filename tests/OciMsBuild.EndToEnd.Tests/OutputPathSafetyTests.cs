using System.Collections.Generic;
using System.IO;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.EndToEnd.Tests.Infrastructure;

namespace OciMsBuild.EndToEnd.Tests
{
    /// <summary>
    /// Every path property, pointed at a foreign folder, a file, an input and a place that cannot
    /// be written: the build stops with a coded error naming the property (or, where the documented
    /// behaviour is harmless, succeeds), and no file it did not write is changed or deleted.
    /// </summary>
    [TestFixture, NonParallelizable]
    public sealed class OutputPathSafetyTests
    {
        private TestProject _project = null!;
        private string _scratch = "";

        [OneTimeSetUp]
        public void CreateProject()
        {
            _project = TestProject.Console();
            _project.Publish("-r", "linux-x64", "-p:ContainerBaseImage=scratch").AssertSuccess("warm-up publish");
        }

        [SetUp]
        public void NewScratch()
        {
            _scratch = Path.Combine(_project.Root, "s-" + System.Guid.NewGuid().ToString("N").Substring(0, 6));
            Directory.CreateDirectory(_scratch);
        }

        private ProcessResult Publish(params string[] properties) =>
            _project.Publish(new[] { "-r", "linux-x64" }.Concat(properties).ToArray());

        private ProcessResult Fails(string code, string property, params string[] properties)
        {
            var result = Publish(properties);
            Assert.That(result.AssertCodedFailure(code), Does.Contain(property));
            return result;
        }

        /// <summary>Every file under a folder with its bytes, to prove nothing was touched.</summary>
        private static Dictionary<string, string> Snapshot(string root) =>
            Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(root, f), f => System.Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

        private string ForeignFolder()
        {
            var dir = Path.Combine(_scratch, "d");
            Directory.CreateDirectory(Path.Combine(dir, "sub"));
            File.WriteAllText(Path.Combine(dir, "keep.txt"), "the user's own file");
            File.WriteAllText(Path.Combine(dir, "sub", "notes.md"), "more of the user's files");
            return dir;
        }

        private void AssertNoLeftovers(string folder) =>
            Assert.That(Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Where(n => n!.Contains(".tmp") || n.Contains(".old-")), Is.Empty,
                "no temp file or folder left behind in " + folder);

        // ---- ContainerLayoutOutputPath ------------------------------------------------------------

        [Test]
        public void Layout_over_a_folder_with_user_files_fails_and_the_files_survive()
        {
            var dir = ForeignFolder();
            var before = Snapshot(dir);
            var result = Fails("OCI1024", "ContainerLayoutOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=" + dir);
            Assert.That(result.Output, Does.Contain(dir).And.Contain("keep.txt"));
            Assert.That(Snapshot(dir), Is.EqualTo(before), "every user file survives, unchanged");
            AssertNoLeftovers(_scratch);
        }

        [Test]
        public void Layout_into_a_new_folder_is_marked_and_the_next_build_replaces_it()
        {
            var dir = Path.Combine(_scratch, "layout");
            Publish("-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=" + dir).AssertSuccess("first layout");
            Assert.That(File.Exists(Path.Combine(dir, ".ocimsbuild-output")), "the layout carries our marker");
            _project.Edit("Program.cs", t => t + "\n// " + System.Guid.NewGuid());
            Publish("-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=" + dir).AssertSuccess("second layout over the first");
            ImageTools.Validate(dir, "latest").AssertSuccess("validate-image.sh on the replaced layout");
            AssertNoLeftovers(_scratch);
        }

        [Test]
        public void Layout_that_is_also_the_base_layout_fails_and_the_base_is_untouched()
        {
            // A hard-linked copy of the shared test bases: even a regression could not damage the originals.
            var bases = Path.Combine(_scratch, "bases");
            ProcessRunner.Run("cp", new[] { "-al", TestEnvironment.BaseLayout, bases }, _scratch).AssertSuccess("cp -al");
            var before = Snapshot(bases);
            var result = Fails("OCI1025", "ContainerLayoutOutputPath",
                "-p:ContainerBaseImage=oci-layout://" + bases + ":deps", "-p:ContainerLayoutOutputPath=" + bases, "-p:SelfContained=true");
            Assert.That(result.Output, Does.Contain("base image layout"));
            Assert.That(Snapshot(bases), Is.EqualTo(before), "no image and no blob of the base layout is gone");
        }

        [Test]
        public void Layout_at_a_file_the_project_folder_or_an_unwritable_place_fails()
        {
            var file = Path.Combine(_scratch, "a-file");
            File.WriteAllText(file, "x");
            Fails("OCI1024", "ContainerLayoutOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=" + file);
            Assert.That(File.ReadAllText(file), Is.EqualTo("x"));

            var projectBefore = Snapshot(_project.Directory_).Keys.Where(k => !k.StartsWith("obj") && !k.StartsWith("bin")).ToList();
            Fails("OCI1025", "ContainerLayoutOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=" + _project.Directory_);
            Fails("OCI1025", "ContainerLayoutOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=" + Path.GetDirectoryName(_project.Directory_));
            Assert.That(Snapshot(_project.Directory_).Keys.Where(k => !k.StartsWith("obj") && !k.StartsWith("bin")), Is.EquivalentTo(projectBefore));

            Fails("OCI1025", "ContainerLayoutOutputPath", "-p:ContainerBaseImage=scratch",
                "-p:ContainerLayoutOutputPath=" + Path.Combine(_project.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish", "image"));
            // /proc accepts no new folders, even from root.
            Fails("OCI3003", "ContainerLayoutOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerLayoutOutputPath=/proc/ocimsbuild-layout");
        }

        // ---- ContainerArchiveOutputPath -----------------------------------------------------------

        [Test]
        public void Archive_that_is_also_the_base_archive_fails_and_the_base_is_untouched()
        {
            var baseArchive = Path.Combine(_scratch, "base.tar");
            ProcessRunner.Run("skopeo", new[] { "copy", "--quiet", "oci:" + TestEnvironment.BaseLayout + ":deps", "oci-archive:" + baseArchive }, _scratch)
                .AssertSuccess("skopeo copy the base into an oci-archive");
            var before = File.ReadAllBytes(baseArchive);
            var result = Fails("OCI1025", "ContainerArchiveOutputPath",
                "-p:ContainerBaseImage=oci-archive://" + baseArchive, "-p:ContainerArchiveOutputPath=" + baseArchive, "-p:SelfContained=true");
            Assert.That(result.Output, Does.Contain("base image archive"));
            Assert.That(File.ReadAllBytes(baseArchive), Is.EqualTo(before), "the base archive is unchanged: the next build cannot stack the app on itself");
            AssertNoLeftovers(_scratch);
        }

        [Test]
        public void Archive_over_a_user_file_fails_into_a_foreign_folder_goes_inside()
        {
            var source = Path.Combine(_scratch, "notes.txt");
            File.WriteAllText(source, "not an image");
            Fails("OCI1024", "ContainerArchiveOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerArchiveOutputPath=" + source);
            Assert.That(File.ReadAllText(source), Is.EqualTo("not an image"));

            // Documented: an existing folder gets REPOSITORY.tar inside it; nothing else there changes.
            var dir = ForeignFolder();
            var before = Snapshot(dir);
            Publish("-p:ContainerBaseImage=scratch", "-p:ContainerArchiveOutputPath=" + dir).AssertSuccess("archive into an existing folder");
            var after = Snapshot(dir);
            Assert.That(after.Keys.Except(before.Keys), Is.EqualTo(new[] { "helloapp.tar" }));
            Assert.That(before.All(kv => after[kv.Key] == kv.Value), "the folder's own files are unchanged");

            // Replacing our own tarball on the next build is allowed.
            Publish("-p:ContainerBaseImage=scratch", "-p:ContainerArchiveOutputPath=" + dir).AssertSuccess("replace our own tarball");
            AssertNoLeftovers(dir);
        }

        [Test]
        public void Archive_inside_the_publish_folder_or_an_unwritable_place_fails()
        {
            Fails("OCI1025", "ContainerArchiveOutputPath", "-p:ContainerBaseImage=scratch",
                "-p:ContainerArchiveOutputPath=" + Path.Combine(_project.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish", "app.tar"));
            Fails("OCI3003", "ContainerArchiveOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerArchiveOutputPath=/proc/ocimsbuild.tar");
        }

        // ---- ContainerSummaryOutputPath -----------------------------------------------------------

        [Test]
        public void Summary_at_a_folder_a_user_file_an_input_or_an_unwritable_place_fails_cleanly()
        {
            var dir = ForeignFolder();
            var before = Snapshot(dir);
            Fails("OCI1024", "ContainerSummaryOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerSummaryOutputPath=" + dir);
            Assert.That(Snapshot(dir), Is.EqualTo(before));
            AssertNoLeftovers(_scratch);

            var user = Path.Combine(_scratch, "package.json");
            File.WriteAllText(user, "{\"name\":\"x\"}");
            Fails("OCI1024", "ContainerSummaryOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerSummaryOutputPath=" + user);
            Assert.That(File.ReadAllText(user), Is.EqualTo("{\"name\":\"x\"}"));

            Fails("OCI1025", "ContainerSummaryOutputPath", "-p:ContainerBaseImage=scratch",
                "-p:ContainerSummaryOutputPath=" + Path.Combine(_project.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish", "image.json"));
            Fails("OCI3003", "ContainerSummaryOutputPath", "-p:ContainerBaseImage=scratch", "-p:ContainerSummaryOutputPath=/proc/ocimsbuild-summary.json");
            AssertNoLeftovers(_scratch);
        }

        // ---- ContainerBlobCachePath ---------------------------------------------------------------

        [Test]
        public void Blob_cache_in_a_foreign_folder_only_adds_its_own_and_inside_the_publish_folder_fails()
        {
            // The store only ever adds its own folders (blobs/, tmp/, layers/, pushed/, tags/, locks/) beside what is there.
            var dir = ForeignFolder();
            var before = Snapshot(dir);
            Publish("-p:ContainerBaseImage=scratch", "-p:ContainerBlobCachePath=" + dir).AssertSuccess("blob store in a folder with other files");
            var after = Snapshot(dir);
            Assert.That(before.All(kv => after.TryGetValue(kv.Key, out var v) && v == kv.Value), "the folder's own files are unchanged");
            Assert.That(after.Keys.Except(before.Keys).All(k => k.StartsWith("blobs/") || k.StartsWith("layers/") || k.StartsWith("pushed/") || k.StartsWith("tags/") || k.StartsWith("locks/")), Is.True, string.Join(", ", after.Keys.Except(before.Keys)));

            Fails("OCI1025", "ContainerBlobCachePath", "-p:ContainerBaseImage=scratch",
                "-p:ContainerBlobCachePath=" + Path.Combine(_project.Directory_, "bin", "Release", "net10.0", "linux-x64", "publish", "cache"));
        }
    }
}
