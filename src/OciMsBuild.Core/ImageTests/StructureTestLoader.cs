using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using OciMsBuild.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>
    /// Reads and checks a container-structure-test YAML file. Anything OciMsBuild would not run as
    /// written (an unknown or unsupported field, a missing name or path, a bad regex) is OCI1032
    /// naming the file, the line and what would be valid: a test that silently does nothing is worse
    /// than no test.
    /// </summary>
    public static class StructureTestLoader
    {
        public const string Item = "ContainerStructureTest";
        public const string SchemaVersion = "2.0.0";
        private static readonly string[] ExecutableBy = { "any", "owner", "group", "other" };

        private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

        public static StructureTestFile Load(string path)
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw Invalid(path, $"cannot be read: {e.Message}");
            }
            return Parse(text, path);
        }

        public static StructureTestFile Parse(string yaml, string source)
        {
            StructureTestFile? file;
            try { file = Deserializer.Deserialize<StructureTestFile>(yaml); }
            catch (YamlException e)
            {
                var detail = e.InnerException?.Message ?? e.Message;
                if (detail.Contains("not found on type"))
                    detail = $"{Unknown(detail)} is not a container-structure-test 2.0.0 field OciMsBuild knows";
                throw Invalid(source, $"line {e.Start.Line}, column {e.Start.Column}: {detail}");
            }
            if (file == null) throw Invalid(source, "is empty: it needs 'schemaVersion: \"2.0.0\"' and at least one test.");
            file.Source = source;
            Check(file);
            return file;
        }

        private static void Check(StructureTestFile file)
        {
            var source = file.Source;
            if (file.SchemaVersion != SchemaVersion)
                throw Invalid(source, $"schemaVersion is '{file.SchemaVersion ?? "(missing)"}': OciMsBuild runs container-structure-test schema '{SchemaVersion}'.");
            int count = (file.CommandTests?.Count ?? 0) + (file.FileExistenceTests?.Count ?? 0) + (file.FileContentTests?.Count ?? 0)
                        + (file.LicenseTests?.Count ?? 0) + (file.MetadataTest != null ? 1 : 0);
            if (count == 0) throw Invalid(source, "holds no test (commandTests, fileExistenceTests, fileContentTests, metadataTest or licenseTests).");

            foreach (var t in file.FileExistenceTests ?? new List<FileExistenceTest>())
            {
                RequireName(source, "fileExistenceTests", t.Name);
                Require(source, t.Name!, "path", t.Path);
                if (t.Permissions != null && !Regex.IsMatch(t.Permissions, "^[dalTLDpSugct?-]*[-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$"))
                    throw Invalid(source, $"test '{t.Name}': permissions '{t.Permissions}' is not a permission string such as '-rwxr-xr-x' or 'drwxr-xr-x'.");
                if (t.IsExecutableBy != null && !ExecutableBy.Contains(t.IsExecutableBy))
                    throw Invalid(source, $"test '{t.Name}': isExecutableBy '{t.IsExecutableBy}' is not one of {string.Join(", ", ExecutableBy)}.");
            }
            foreach (var t in file.FileContentTests ?? new List<FileContentTest>())
            {
                RequireName(source, "fileContentTests", t.Name);
                Require(source, t.Name!, "path", t.Path);
                CheckRegexes(source, t.Name!, t.ExpectedContents);
                CheckRegexes(source, t.Name!, t.ExcludedContents);
            }
            foreach (var t in file.CommandTests ?? new List<CommandTest>())
            {
                RequireName(source, "commandTests", t.Name);
                Require(source, t.Name!, "command", t.Command);
                if ((t.Setup ?? new List<List<string>>()).Concat(t.Teardown ?? new List<List<string>>()).Any(c => c == null || c.Count == 0))
                    throw Invalid(source, $"test '{t.Name}': every setup and teardown entry must be a non-empty list such as [\"sh\", \"-c\", \"...\"].");
                foreach (var v in t.EnvVars ?? new List<EnvVar>())
                    if (string.IsNullOrEmpty(v.Key)) throw Invalid(source, $"test '{t.Name}': every envVars entry needs a key.");
                CheckRegexes(source, t.Name!, t.ExpectedOutput);
                CheckRegexes(source, t.Name!, t.ExcludedOutput);
                CheckRegexes(source, t.Name!, t.ExpectedError);
                CheckRegexes(source, t.Name!, t.ExcludedError);
            }
            foreach (var v in file.GlobalEnvVars ?? new List<EnvVar>())
                if (string.IsNullOrEmpty(v.Key)) throw Invalid(source, "every globalEnvVars entry needs a key.");
            if (file.MetadataTest is MetadataTest m)
            {
                foreach (var v in (m.Env ?? new List<EnvVar>()).Concat(m.EnvVars ?? new List<EnvVar>()).Concat(m.UnboundEnvVars ?? new List<EnvVar>()))
                {
                    if (string.IsNullOrEmpty(v.Key)) throw Invalid(source, "metadataTest: every env var needs a key.");
                    if (v.IsRegex) CheckRegexes(source, "metadataTest", new List<string> { v.Value ?? "" });
                }
                foreach (var l in m.Labels ?? new List<Label>())
                {
                    if (string.IsNullOrEmpty(l.Key)) throw Invalid(source, "metadataTest: every label needs a key.");
                    if (l.IsRegex) CheckRegexes(source, "metadataTest", new List<string> { l.Value ?? "" });
                }
            }
            if (file.ContainerRunOptions is ContainerRunOptions o)
            {
                var unsupported = new List<string>();
                if (o.Privileged == true) unsupported.Add("privileged");
                if (o.AllocateTty == true) unsupported.Add("allocateTty");
                if (o.EnvFile != null) unsupported.Add("envFile");
                if (o.Capabilities?.Count > 0) unsupported.Add("capabilities");
                if (o.BindMounts?.Count > 0) unsupported.Add("bindMounts");
                if (unsupported.Count > 0)
                    throw Invalid(source, $"containerRunOptions {string.Join(", ", unsupported)} {(unsupported.Count == 1 ? "is" : "are")} not supported by OciMsBuild (user and envVars are).");
            }
        }

        private static void RequireName(string source, string section, string? name)
        {
            if (string.IsNullOrWhiteSpace(name)) throw Invalid(source, $"every test in {section} needs a name.");
        }

        private static void Require(string source, string test, string field, string? value)
        {
            if (string.IsNullOrWhiteSpace(value)) throw Invalid(source, $"test '{test}' needs '{field}'.");
        }

        private static void CheckRegexes(string source, string test, List<string>? patterns)
        {
            foreach (var p in patterns ?? new List<string>())
            {
                if (string.IsNullOrEmpty(p)) throw Invalid(source, $"test '{test}': an empty regular expression matches everything; remove it or write the pattern.");
                try { _ = new Regex(p); }
                catch (ArgumentException e) { throw Invalid(source, $"test '{test}': '{p}' is not a valid regular expression: {e.Message}"); }
            }
        }

        private static string Unknown(string detail)
        {
            var match = Regex.Match(detail, "Property '([^']*)'");
            return match.Success ? $"'{match.Groups[1].Value}'" : "a field";
        }

        private static OciException Invalid(string source, string detail) =>
            new OciException(ErrorCodes.InvalidStructureTest, $"{Item} '{source}': {detail} See the README's 'Image tests' section for the supported fields.");
    }
}
