using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using OciMsBuild.Core.ImageFileSystem;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>
    /// The tests that need no container engine, evaluated on the image itself as
    /// container-structure-test's tar driver does: file existence, file content, metadata, licenses.
    /// </summary>
    public sealed class StaticTestRunner
    {
        /// <summary>A file content test reads at most this much of the file.</summary>
        public const long MaxContentBytes = 64L * 1024 * 1024;
        private const string DebianDocRoot = "/usr/share/doc";
        // As container-structure-test: words that fail a license test, and a package it lets through.
        private static readonly string[] BannedLicenseWords = { "AGPL", "WTFPL" };
        private static readonly string[] LicenseAllowList = { "libgnutls30" };

        private readonly MergedFileSystem _fs;
        private readonly ImageMetadata _metadata;
        private readonly string _platform;

        public StaticTestRunner(MergedFileSystem fs, ImageMetadata metadata, string platform)
        {
            _fs = fs;
            _metadata = metadata;
            _platform = platform;
        }

        public IReadOnlyList<TestResult> Run(StructureTestFile file, CancellationToken ct = default)
        {
            var results = new List<TestResult>();
            foreach (var t in file.FileExistenceTests ?? new List<FileExistenceTest>()) results.Add(Timed(file, "File Existence Test", t.Name!, r => FileExistence(t, r)));
            var contents = ReadContents(file, ct);
            foreach (var t in file.FileContentTests ?? new List<FileContentTest>()) results.Add(Timed(file, "File Content Test", t.Name!, r => FileContent(t, contents, r)));
            foreach (var t in file.LicenseTests ?? new List<LicenseTest>()) results.Add(Timed(file, "License Test", LicenseName(t), r => License(t, r, ct)));
            if (file.MetadataTest != null) results.Add(Timed(file, "Metadata Test", "metadata", r => MetadataChecks.Run(file.MetadataTest, _metadata, r)));
            return results;
        }

        private TestResult Timed(StructureTestFile file, string kind, string name, Action<TestResult> run)
        {
            var result = new TestResult(file.Source, _platform, kind, name);
            var clock = Stopwatch.StartNew();
            run(result);
            result.Duration = clock.Elapsed;
            return result;
        }

        private void FileExistence(FileExistenceTest t, TestResult r)
        {
            var path = _metadata.Substitute(t.Path!);
            var entry = _fs.Lookup(path);
            if (entry == null)
            {
                if (t.ShouldExist) r.Fail($"{path} should exist but does not{Why(path)}.");
                return;
            }
            if (!t.ShouldExist)
            {
                r.Fail($"{path} should not exist but does.");
                return;
            }
            var mode = FileModeText.Of(entry);
            if (t.Permissions != null && t.Permissions != mode)
                r.Fail($"{path} has incorrect permissions. Expected: {t.Permissions}, Actual: {mode}");
            if (t.IsExecutableBy != null)
            {
                int bits = t.IsExecutableBy switch { "owner" => 0x40, "group" => 0x8, "other" => 0x1, _ => 0x49 };
                if ((entry.Mode & bits) == 0) r.Fail($"{path} is not executable by {t.IsExecutableBy}: {mode}");
            }
            // -1 is container-structure-test's "do not check".
            if (t.Uid is int uid && uid != -1 && entry.Uid != uid) r.Fail($"{path} has incorrect user ownership. Expected: {uid}, Actual: {entry.Uid}");
            if (t.Gid is int gid && gid != -1 && entry.Gid != gid) r.Fail($"{path} has incorrect group ownership. Expected: {gid}, Actual: {entry.Gid}");
        }

        /// <summary>Why a path is missing, when a link is the reason: a dangling or looping link.</summary>
        private string Why(string path)
        {
            var unresolved = _fs.Lookup(path, followLast: false);
            return unresolved?.Type == EntryType.Symlink ? $" (it is a symbolic link to '{unresolved.LinkTarget}', which does not resolve)" : "";
        }

        private IReadOnlyDictionary<string, byte[]> ReadContents(StructureTestFile file, CancellationToken ct)
        {
            var wanted = (file.FileContentTests ?? new List<FileContentTest>())
                .Select(t => _fs.Lookup(_metadata.Substitute(t.Path!))).Where(e => e != null).Select(e => e!);
            return _fs.ReadFiles(wanted, MaxContentBytes, ct);
        }

        private void FileContent(FileContentTest t, IReadOnlyDictionary<string, byte[]> contents, TestResult r)
        {
            var path = _metadata.Substitute(t.Path!);
            var entry = _fs.Lookup(path);
            if (entry == null) { r.Fail($"{path} does not exist{Why(path)}."); return; }
            if (entry.Type != EntryType.File) { r.Fail($"{path} is not a file ({FileModeText.Of(entry)})."); return; }
            if (entry.Size > MaxContentBytes) { r.Fail($"{path} is {entry.Size:N0} bytes: content tests read files up to {MaxContentBytes:N0} bytes."); return; }
            if (!contents.TryGetValue(entry.Path, out var bytes)) { r.Fail($"{path} could not be read from its layer."); return; }
            var text = Encoding.UTF8.GetString(bytes);
            foreach (var pattern in t.ExpectedContents ?? new List<string>())
                if (!Regex.IsMatch(text, pattern)) r.Fail($"Expected contents '{pattern}' not found in {path}");
            foreach (var pattern in t.ExcludedContents ?? new List<string>())
                if (Regex.IsMatch(text, pattern)) r.Fail($"Excluded contents '{pattern}' found in {path}");
        }

        private static string LicenseName(LicenseTest t) =>
            t.Debian ? "debian" + (t.Files?.Count > 0 ? " + files" : "") : "files " + string.Join(", ", t.Files ?? new List<string>());

        private void License(LicenseTest t, TestResult r, CancellationToken ct)
        {
            var files = new List<string>(t.Files ?? new List<string>());
            if (t.Debian)
            {
                var doc = _fs.Lookup(DebianDocRoot);
                if (doc == null || doc.Type != EntryType.Directory) { r.Fail($"{DebianDocRoot} does not exist: the image has no Debian package documentation to check."); return; }
                foreach (var package in _fs.List(DebianDocRoot).Where(e => e.Type == EntryType.Directory || _fs.Lookup(e.Path)?.Type == EntryType.Directory))
                {
                    var name = package.Path.Substring(package.Path.LastIndexOf('/') + 1);
                    if (!LicenseAllowList.Contains(name)) files.Add($"{DebianDocRoot}/{name}/copyright");
                }
            }
            var entries = files.ToDictionary(f => f, f => _fs.Lookup(f), StringComparer.Ordinal);
            var bytes = _fs.ReadFiles(entries.Values.Where(e => e != null).Select(e => e!), MaxContentBytes, ct);
            foreach (var pair in entries)
            {
                if (pair.Value == null || pair.Value.Type != EntryType.File) { r.Fail($"Error reading license file {pair.Key}: it does not exist."); continue; }
                if (!bytes.TryGetValue(pair.Value.Path, out var b) || pair.Value.Size > MaxContentBytes) { r.Fail($"Error reading license file {pair.Key}: it could not be read whole."); continue; }
                var text = Encoding.UTF8.GetString(b).ToUpperInvariant();
                foreach (var word in BannedLicenseWords)
                    if (text.Contains(word)) r.Fail($"Invalid license in {pair.Key}: it contains {word}.");
            }
        }
    }
}
