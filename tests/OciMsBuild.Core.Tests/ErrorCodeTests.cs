using System;
using System.IO;
using System.Linq;
using System.Reflection;
using NUnit.Framework;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// Every error code is documented in the README's table and proven by at least one test that
    /// names it.
    /// </summary>
    public class ErrorCodeTests
    {
        private static string RepoRoot()
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "OciMsBuild.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("no OciMsBuild.sln above the test folder");
        }

        private static FieldInfo[] Codes() =>
            typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToArray();

        [Test]
        public void Codes_are_unique_and_well_formed()
        {
            var values = Codes().Select(f => (string)f.GetRawConstantValue()!).ToList();
            Assert.That(values, Is.Unique);
            Assert.That(values, Is.All.Match(@"^OCI[1-4]\d{3}$"));
        }

        [Test]
        public void Every_code_has_a_README_row_and_a_test()
        {
            var root = RepoRoot();
            var readme = File.ReadAllText(Path.Combine(root, "README.md"));
            var tests = string.Join("\n", Directory.EnumerateFiles(Path.Combine(root, "tests"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.EndsWith("ErrorCodeTests.cs"))
                .Select(File.ReadAllText));
            var undocumented = Codes().Where(f => !readme.Contains("| " + f.GetRawConstantValue() + " |")).Select(f => f.Name).ToList();
            var untested = Codes().Where(f => !tests.Contains("ErrorCodes." + f.Name) && !tests.Contains("\"" + f.GetRawConstantValue() + "\"")
                                              && !tests.Contains("error " + f.GetRawConstantValue()) && !tests.Contains("warning " + f.GetRawConstantValue())).Select(f => f.Name + " " + f.GetRawConstantValue()).ToList();
            Assert.That(undocumented, Is.Empty, "codes missing from README.md's error table");
            Assert.That(untested, Is.Empty, "codes no test names");
        }
    }
}
