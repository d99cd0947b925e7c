using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    public class LayerPlannerTests
    {
        private static readonly string[] RuntimePacks = { "Microsoft.NETCore.App.Runtime.linux-x64", "Microsoft.AspNetCore.App.Runtime.linux-x64" };

        private const string DepsJson = @"{
  ""runtimeTarget"": { ""name"": "".NETCoreApp,Version=v10.0/linux-x64"" },
  ""targets"": {
    "".NETCoreApp,Version=v10.0"": {},
    "".NETCoreApp,Version=v10.0/linux-x64"": {
      ""App/1.0.0"": {
        ""dependencies"": { ""Lib"": ""1.0.0"", ""Newtonsoft.Json"": ""13.0.3"" },
        ""runtime"": { ""App.dll"": {} }
      },
      ""runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/10.0.0"": {
        ""runtime"": { ""System.Private.CoreLib.dll"": { ""assemblyVersion"": ""10.0.0.0"" } },
        ""native"": { ""libcoreclr.so"": { ""fileVersion"": ""0.0.0.0"" } }
      },
      ""Newtonsoft.Json/13.0.3"": {
        ""runtime"": { ""lib/net6.0/Newtonsoft.Json.dll"": {} },
        ""resources"": { ""lib/net6.0/de/Newtonsoft.Json.resources.dll"": { ""locale"": ""de"" } }
      },
      ""Lib/1.0.0"": {
        ""runtime"": { ""Lib.dll"": {} }
      }
    }
  },
  ""libraries"": {
    ""App/1.0.0"": { ""type"": ""project"", ""serviceable"": false, ""sha512"": """" },
    ""runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/10.0.0"": { ""type"": ""runtimepack"", ""serviceable"": false, ""sha512"": """" },
    ""Newtonsoft.Json/13.0.3"": { ""type"": ""package"", ""serviceable"": true, ""sha512"": ""sha512-x"", ""path"": ""newtonsoft.json/13.0.3"" },
    ""Lib/1.0.0"": { ""type"": ""project"", ""serviceable"": false, ""sha512"": """" }
  }
}";

        private TempDir _temp = null!;
        private LayerPlanner _planner = null!;

        [SetUp]
        public void SetUp()
        {
            _temp = new TempDir();
            _planner = new LayerPlanner(RuntimePacks.Concat(new[] { "", " " }), DepsJsonIndex.Load(_temp.Write("App.deps.json", DepsJson)));
        }

        [TearDown] public void TearDown() => _temp.Dispose();

        private static PublishedFile Meta(string path, string? package = null, string? source = null) =>
            new PublishedFile(path, "/nowhere/" + path) { HasMetadata = true, NuGetPackageId = package, ReferenceSourceTarget = source };

        private static PublishedFile Bare(string path) => new PublishedFile(path, "/nowhere/" + path);

        [Test]
        public void Metadata_decides()
        {
            Assert.Multiple(() =>
            {
                Assert.That(_planner.Classify(Meta("libcoreclr.so", "Microsoft.NETCore.App.Runtime.linux-x64")), Is.EqualTo(LayerKind.Runtime));
                Assert.That(_planner.Classify(Meta("Microsoft.AspNetCore.dll", "microsoft.aspnetcore.app.runtime.linux-x64")), Is.EqualTo(LayerKind.Runtime), "package ids compare case-insensitively");
                Assert.That(_planner.Classify(Meta("Newtonsoft.Json.dll", "Newtonsoft.Json")), Is.EqualTo(LayerKind.Packages));
                Assert.That(_planner.Classify(Meta("Lib.dll", null, "ProjectReference")), Is.EqualTo(LayerKind.ProjectReferences));
                Assert.That(_planner.Classify(Meta("Lib.pdb", null, "projectreference")), Is.EqualTo(LayerKind.ProjectReferences));
                Assert.That(_planner.Classify(Meta("App.dll")), Is.EqualTo(LayerKind.App));
                Assert.That(_planner.Classify(Meta("appsettings.json", "", "")), Is.EqualTo(LayerKind.App));
            });
        }

        [Test]
        public void Metadata_wins_over_deps_json()
        {
            // deps.json says package, but the item's metadata says it is the app's own file.
            Assert.That(_planner.Classify(Meta("Newtonsoft.Json.dll")), Is.EqualTo(LayerKind.App));
            Assert.That(_planner.Classify(Meta("libcoreclr.so", "Some.Package")), Is.EqualTo(LayerKind.Packages));
        }

        [Test]
        public void Files_without_metadata_are_looked_up_in_deps_json()
        {
            Assert.Multiple(() =>
            {
                Assert.That(_planner.Classify(Bare("System.Private.CoreLib.dll")), Is.EqualTo(LayerKind.Runtime));
                Assert.That(_planner.Classify(Bare("libcoreclr.so")), Is.EqualTo(LayerKind.Runtime), "native assets too");
                Assert.That(_planner.Classify(Bare("Newtonsoft.Json.dll")), Is.EqualTo(LayerKind.Packages), "keyed by file name, not package path");
                Assert.That(_planner.Classify(Bare("de/Newtonsoft.Json.resources.dll")), Is.EqualTo(LayerKind.Packages), "resources go to <culture>/");
                Assert.That(_planner.Classify(Bare("Newtonsoft.Json.resources.dll")), Is.EqualTo(LayerKind.App));
                Assert.That(_planner.Classify(Bare("Lib.dll")), Is.EqualTo(LayerKind.ProjectReferences));
                Assert.That(_planner.Classify(Bare("App.dll")), Is.EqualTo(LayerKind.App),
                    "deps.json calls the app itself a project too, but App.deps.json's App/1.0.0 is the app");
                Assert.That(_planner.Classify(Bare("unknown.txt")), Is.EqualTo(LayerKind.App));
            });
        }

        [Test]
        public void Without_deps_json_everything_unknown_is_app()
        {
            var planner = new LayerPlanner(RuntimePacks, DepsJsonIndex.Load(_temp.Combine("missing.deps.json")));
            Assert.That(planner.Classify(Bare("System.Private.CoreLib.dll")), Is.EqualTo(LayerKind.App));
            Assert.That(new LayerPlanner(RuntimePacks, DepsJsonIndex.Empty).Classify(Bare("Lib.dll")), Is.EqualTo(LayerKind.App));
            Assert.That(DepsJsonIndex.Load(null).Find("Lib.dll"), Is.Null);
            Assert.That(DepsJsonIndex.Load(_temp.Write("x.deps.json", "{}")).Find("Lib.dll"), Is.Null);
        }

        [Test]
        public void Plan_orders_layers_by_rate_of_change_and_omits_empty_ones()
        {
            var files = new[]
            {
                Meta("App.dll"),
                Meta("z.dll", "Zeta"),
                Meta("a.dll", "Alpha"),
                Meta("libcoreclr.so", "Microsoft.NETCore.App.Runtime.linux-x64"),
                Meta("App.runtimeconfig.json"),
            };
            var plan = _planner.Plan(files);
            Assert.That(plan.Select(p => p.Kind), Is.EqualTo(new[] { LayerKind.Runtime, LayerKind.Packages, LayerKind.App }), "no ProjectReferences layer: it would be empty");
            Assert.That(plan[1].Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "a.dll", "z.dll" }), "files sorted within a layer");
            Assert.That(plan[2].Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "App.dll", "App.runtimeconfig.json" }));

            var all = _planner.Plan(new[] { Meta("App.dll"), Meta("Lib.dll", null, "ProjectReference"), Meta("p.dll", "P"), Meta("r.so", RuntimePacks[0]) });
            Assert.That(all.Select(p => p.Kind), Is.EqualTo(new[] { LayerKind.Runtime, LayerKind.Packages, LayerKind.ProjectReferences, LayerKind.App }));

            Assert.That(_planner.Plan(Enumerable.Empty<PublishedFile>()), Is.Empty);
        }

        [Test]
        public void Layer_kind_names()
        {
            Assert.That(new[] { LayerKind.Runtime, LayerKind.Packages, LayerKind.ProjectReferences, LayerKind.App }.Select(k => k.Name()),
                Is.EqualTo(new[] { "runtime", "packages", "project-references", "app" }));
        }

        [Test]
        public void PublishedFile_uses_forward_slashes()
        {
            Assert.That(new PublishedFile(@"de\x.resources.dll", "/s").RelativePath, Is.EqualTo("de/x.resources.dll"));
        }
    }
}
