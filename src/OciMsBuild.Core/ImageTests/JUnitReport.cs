using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>
    /// The results as JUnit XML, the format CI systems (GitHub, Azure DevOps, GitLab, Jenkins) show
    /// as test results: one testsuite per YAML file and platform, one testcase per test.
    /// </summary>
    public static class JUnitReport
    {
        public static void Write(string path, IReadOnlyList<TestResult> results)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            // Written beside and moved into place: a reader never sees half a report.
            var temp = path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            using (var xml = XmlWriter.Create(stream, new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) }))
                WriteTo(xml, results);
            if (File.Exists(path)) File.Delete(path);
            File.Move(temp, path);
        }

        public static void WriteTo(XmlWriter xml, IReadOnlyList<TestResult> results)
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("testsuites");
            xml.WriteAttributeString("name", "OciMsBuild structure tests");
            Counts(xml, results);
            foreach (var suite in results.GroupBy(r => (r.File, r.Platform)))
            {
                var cases = suite.ToList();
                xml.WriteStartElement("testsuite");
                xml.WriteAttributeString("name", $"{Path.GetFileName(suite.Key.File)} [{suite.Key.Platform}]");
                Counts(xml, cases);
                foreach (var r in cases)
                {
                    xml.WriteStartElement("testcase");
                    xml.WriteAttributeString("classname", $"{Path.GetFileNameWithoutExtension(r.File)}.{suite.Key.Platform}");
                    xml.WriteAttributeString("name", r.Title);
                    xml.WriteAttributeString("time", Seconds(r.Duration.TotalSeconds));
                    if (r.Outcome == TestOutcome.Failed)
                    {
                        xml.WriteStartElement("failure");
                        xml.WriteAttributeString("message", r.Errors.FirstOrDefault() ?? "failed");
                        xml.WriteAttributeString("type", Errors.ErrorCodes.StructureTestFailed);
                        xml.WriteString(string.Join("\n", r.Errors));
                        xml.WriteEndElement();
                    }
                    else if (r.Outcome == TestOutcome.Skipped)
                    {
                        xml.WriteStartElement("skipped");
                        xml.WriteAttributeString("message", r.SkipReason ?? "skipped");
                        xml.WriteEndElement();
                    }
                    if (!string.IsNullOrEmpty(r.Stdout)) xml.WriteElementString("system-out", Clean(r.Stdout!));
                    if (!string.IsNullOrEmpty(r.Stderr)) xml.WriteElementString("system-err", Clean(r.Stderr!));
                    xml.WriteEndElement();
                }
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        private static void Counts(XmlWriter xml, IReadOnlyCollection<TestResult> results)
        {
            xml.WriteAttributeString("tests", results.Count.ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("failures", results.Count(r => r.Outcome == TestOutcome.Failed).ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("errors", "0");
            xml.WriteAttributeString("skipped", results.Count(r => r.Outcome == TestOutcome.Skipped).ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("time", Seconds(results.Sum(r => r.Duration.TotalSeconds)));
        }

        private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

        /// <summary>Command output may hold bytes XML cannot carry (control characters): drop them.</summary>
        private static string Clean(string text) => new string(text.Where(XmlConvert.IsXmlChar).ToArray());
    }
}
