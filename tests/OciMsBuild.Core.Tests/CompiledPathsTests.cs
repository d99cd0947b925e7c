using System.IO;
using NUnit.Framework;
using OciMsBuild.Core.SupplyChain;

namespace OciMsBuild.Core.Tests
{
    public sealed class CompiledPathsTests
    {
        [Test]
        public void Reads_the_pdb_path_an_assembly_was_compiled_with()
        {
            var assembly = typeof(CompiledPathsTests).Assembly.Location;
            var pdb = CompiledPaths.PdbPathOf(assembly);
            Assert.That(pdb, Does.EndWith("OciMsBuild.Core.Tests.pdb"));
        }

        [Test]
        public void A_pdb_path_inside_the_project_folder_is_local_and_one_elsewhere_is_not()
        {
            var assembly = typeof(CompiledPathsTests).Assembly.Location;
            var pdb = CompiledPaths.PdbPathOf(assembly)!;
            var folder = pdb.Substring(0, pdb.Replace('\\', '/').LastIndexOf('/'));
            Assert.That(CompiledPaths.CarriesLocalPath(assembly, folder, out var seen), Is.True);
            Assert.That(seen, Is.EqualTo(pdb));
            // Not under the given project, but the pdb's folder exists here: still a local path (artifacts output).
            Assert.That(CompiledPaths.CarriesLocalPath(assembly, "/somewhere/else", out _), Is.True);
        }

        [Test]
        public void An_assembly_built_on_another_machine_names_no_folder_of_this_one()
        {
            var nunit = typeof(Assert).Assembly.Location;
            TestContext.Out.WriteLine("nunit's pdb path: " + CompiledPaths.PdbPathOf(nunit));
            Assert.That(CompiledPaths.CarriesLocalPath(nunit, Path.GetDirectoryName(nunit)!, out _), Is.False);
        }

        [Test]
        public void A_file_that_is_not_an_assembly_has_no_pdb_path()
        {
            var path = Path.Combine(Path.GetTempPath(), Path.GetRandomFileName());
            File.WriteAllText(path, "not a PE file at all, just text");
            try
            {
                Assert.That(CompiledPaths.PdbPathOf(path), Is.Null);
                Assert.That(CompiledPaths.CarriesLocalPath(path, "/", out _), Is.False);
            }
            finally { File.Delete(path); }
        }

        [Test]
        public void The_advice_names_the_project_the_pdb_path_and_both_fixes()
        {
            var text = ReferencePathAdvice.For("Lib.dll", "/src/Lib/Lib.csproj", "/src/Lib/obj/Release/net10.0/Lib.pdb");
            Assert.That(text, Does.Contain("/src/Lib/Lib.csproj").And.Contain("Lib.pdb")
                .And.Contain("<DeterministicSourcePaths Condition=\"'$(ContainerImage)' == 'true'\">true</DeterministicSourcePaths>")
                .And.Contain("<PathMap>$(MSBuildThisFileDirectory)=/_/</PathMap>").And.Contain("ContainerDeterministicPaths=false"));
        }
    }
}
