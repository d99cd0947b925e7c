using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;
using System.Linq;
using System.Text;
using NUnit.Framework;
using OciMsBuild.Core.ImageFileSystem;
using OciMsBuild.Core.RunLayers;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class ContainerChangesTests
    {
        private static readonly DateTimeOffset BaseTime = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);
        private static readonly DateTimeOffset RunTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        private static MemoryStream Export(params (string Name, TarEntryType Type, string? Content, DateTimeOffset Time, string? Link)[] entries)
        {
            var stream = new MemoryStream();
            using (var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
                foreach (var e in entries)
                {
                    var entry = new PaxTarEntry(e.Type, e.Name) { ModificationTime = e.Time, Mode = e.Type == TarEntryType.Directory ? (UnixFileMode)0x1ED : (UnixFileMode)0x1A4 };
                    if (e.Link != null) entry.LinkName = e.Link;
                    if (e.Content != null) entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(e.Content));
                    tar.WriteEntry(entry);
                }
            stream.Position = 0;
            return stream;
        }

        [Test]
        public void New_changed_and_deleted_paths_are_found_and_the_engines_own_files_are_not()
        {
            using var dir = new TempDir();
            var layers = new TestLayers(dir).Add(l => l.Dir("etc/").File("etc/os-release", "debian").File("etc/passwd", "root")
                .Dir("var/").Dir("var/cache/").File("var/cache/a", "a").File("var/cache/b", "b"));
            // The base's entries carry the tar writer's time: read it back rather than guess.
            var before = MergedFileSystem.Read(layers.Layers);
            DateTimeOffset T(string path) => DateTimeOffset.FromUnixTimeSeconds(before.Lookup(path, followLast: false)!.MtimeSeconds);

            var export = Export(
                ("etc/", TarEntryType.Directory, null, RunTime, null),
                ("etc/passwd", TarEntryType.RegularFile, "root", T("/etc/passwd"), null),    // untouched
                ("etc/hosts", TarEntryType.RegularFile, "", RunTime, null),                    // the engine's
                ("etc/hostname", TarEntryType.RegularFile, "", RunTime, null),
                (".dockerenv", TarEntryType.RegularFile, "", RunTime, null),
                ("proc/", TarEntryType.Directory, null, RunTime, null),
                ("var/", TarEntryType.Directory, null, T("/var"), null),
                ("opt/", TarEntryType.Directory, null, RunTime, null),
                ("opt/tool", TarEntryType.RegularFile, "new tool", RunTime, null),
                ("opt/tool-link", TarEntryType.SymbolicLink, null, RunTime, "tool"));
            var changes = ContainerChanges.Compare(before, export, dir.Combine("spool"));

            var summary = changes.Select(c => c.Deleted ? "-" + c.Path : "+" + c.Path).ToList();
            TestContext.Out.WriteLine(string.Join("\n", summary));
            Assert.That(summary, Is.EquivalentTo(new[] { "+/etc", "-/etc/os-release", "+/opt", "+/opt/tool", "+/opt/tool-link", "-/var/cache" }),
                "a deleted folder is one deletion, not one per file");
            var tool = changes.Single(c => c.Path == "/opt/tool");
            Assert.That(File.ReadAllText(tool.SpoolPath!), Is.EqualTo("new tool"));
            Assert.That(changes.Single(c => c.Path == "/opt/tool-link").LinkTarget, Is.EqualTo("tool"));
        }
        [Test]
        public void A_folder_replaced_by_a_file_hides_its_contents_without_whiteouts_below_it_and_a_rewrite_with_the_same_size_and_time_is_seen_through_diff()
        {
            using var dir = new TempDir();
            var layers = new TestLayers(dir).Add(l => l.Dir("data/").File("data/a", "a").File("etc/conf", "v1").File("usr/lib/libx.so", "elf"));
            var before = MergedFileSystem.Read(layers.Layers);
            DateTimeOffset T(string path) => DateTimeOffset.FromUnixTimeSeconds(before.Lookup(path, followLast: false)!.MtimeSeconds);
            Stream Export2() => Export(
                ("data", TarEntryType.RegularFile, "now a file", RunTime, null),
                ("etc/", TarEntryType.Directory, null, T("/etc"), null),
                ("etc/conf", TarEntryType.RegularFile, "v2", T("/etc/conf"), null),            // same size, same time
                ("usr/", TarEntryType.Directory, null, T("/usr"), null),
                ("usr/lib/", TarEntryType.Directory, null, T("/usr/lib"), null),
                ("usr/lib/libx.so", TarEntryType.RegularFile, "elf", T("/usr/lib/libx.so"), null),
                ("usr/lib/libx.so.1", TarEntryType.HardLink, null, RunTime, "usr/lib/libx.so")); // a new link to an unchanged file

            var withoutDiff = ContainerChanges.Compare(before, Export2(), dir.Combine("spool1")).Select(c => (c.Deleted ? "-" : "+") + c.Path).ToList();
            Assert.That(withoutDiff, Is.EquivalentTo(new[] { "+/data", "+/usr/lib/libx.so.1" }), "no data/.wh.a under the new file");

            var changes = ContainerChanges.Compare(before, Export2(), dir.Combine("spool2"), new HashSet<string> { "/etc/conf", "/usr/lib/libx.so.1" });
            Assert.That(changes.Select(c => c.Path), Is.EquivalentTo(new[] { "/data", "/etc/conf", "/usr/lib/libx.so.1" }));
            Assert.That(File.ReadAllText(changes.Single(c => c.Path == "/etc/conf").SpoolPath!), Is.EqualTo("v2"));
            Assert.That(File.ReadAllText(changes.Single(c => c.Path == "/usr/lib/libx.so.1").SpoolPath!), Is.EqualTo("elf"), "the link's bytes come from the base");
        }
    }
}
