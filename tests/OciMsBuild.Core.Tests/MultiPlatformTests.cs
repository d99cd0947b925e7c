using System;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.Tests.Support;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// Real per-platform images the way a multi-platform build makes them: an "app-host" layer that
    /// differs per platform (apphost + deps.json) below an app layer shared by every platform.
    /// </summary>
    internal static class MultiPlatformImages
    {
        public static readonly Platform Amd64 = new Platform("linux", "amd64");
        public static readonly Platform Arm64 = new Platform("linux", "arm64", "v8");
        /// <summary>arm64 as a base config often says it: no variant.</summary>
        public static readonly Platform Arm64NoVariant = new Platform("linux", "arm64");
        public static readonly Platform ArmV7 = new Platform("linux", "arm", "v7");

        public static string RidOf(Platform platform) => platform.Architecture switch
        {
            "amd64" => "linux-x64",
            "arm64" => "linux-arm64",
            "arm" => "linux-arm",
            _ => throw new ArgumentException(platform.ToString()),
        };

        /// <summary>The app layer every platform shares (App.dll and appsettings.json).</summary>
        public static LayerRecord SharedAppLayer(BlobStore store, TempDir temp, string content = "portable IL") =>
            TestImages.PackLayer(store, temp, LayerKind.App, new Dictionary<string, string> { ["App.dll"] = content, ["appsettings.json"] = "{}" });

        public static BuiltImage Build(BlobStore store, TempDir temp, Platform platform, LayerRecord shared, ImageFormat format = ImageFormat.Oci, string? rid = null)
        {
            rid ??= RidOf(platform);
            var appHost = TestImages.PackLayer(store, temp, LayerKind.AppHost, new Dictionary<string, string>
            {
                ["App"] = "ELF apphost for " + rid,
                ["App.deps.json"] = "{\"runtimeTarget\":{\"name\":\".NETCoreApp,Version=v10.0/" + rid + "\"}}",
            });
            var settings = new ContainerSettings { AssemblyName = "App", AppHostFileName = "App", AppCommand = new List<string> { "/app/App" } };
            // The base says `platform` (maybe without a variant); the build's platform comes from the RID, as in BuildOciImage.
            return ImageBuilder.Build(BaseImage.Scratch(platform), new[] { appHost, shared }, settings, format, rid, RuntimeIdentifiers.ToPlatform(rid), TestImages.Epoch, store);
        }

        /// <summary>linux/amd64 then linux/arm64/v8 under one index, sharing the app layer.</summary>
        public static ImageSet AmdAndArm(BlobStore store, TempDir temp, ImageFormat format = ImageFormat.Oci, IDictionary<string, string>? annotations = null)
        {
            var shared = SharedAppLayer(store, temp);
            var images = new[] { Build(store, temp, Amd64, shared, format), Build(store, temp, Arm64, shared, format) };
            return IndexBuilder.Build(images, format, annotations, store);
        }
    }

    /// <summary>ContainerRuntimeIdentifier(s), the publish RID and the project's RuntimeIdentifiers → the RIDs to build.</summary>
    public class ChooseAllRuntimeIdentifiersTests
    {
        private static readonly string Host = RuntimeIdentifiers.ForHostArchitecture();

        [Test]
        public void ContainerRuntimeIdentifier_wins_and_gives_one_image()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll("linux-arm64", "linux-x64;linux-arm", "linux-x64", "linux-x64;linux-musl-x64"),
                Is.EqualTo(new[] { "linux-arm64" }));
            Assert.That(RuntimeIdentifiers.ChooseAll(" linux-musl-x64 ", null, null, null), Is.EqualTo(new[] { "linux-musl-x64" }), "trimmed");
        }

        [Test]
        public void ContainerRuntimeIdentifier_that_is_not_linux_is_OCI1012_even_with_a_list()
        {
            var e = Assert.Throws<OciException>(() => RuntimeIdentifiers.ChooseAll("win-x64", "linux-x64;linux-arm64", null, null))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.NonLinuxRuntimeIdentifier));
            Assert.That(e.Message, Does.Contain("ContainerRuntimeIdentifier 'win-x64'"));
        }

        [Test]
        public void ContainerRuntimeIdentifiers_keeps_order_trims_and_drops_duplicates()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll(null, " linux-arm64 ;linux-x64;; linux-arm64;linux-arm ;linux-x64", "linux-x64", "linux-x64"),
                Is.EqualTo(new[] { "linux-arm64", "linux-x64", "linux-arm" }));
            Assert.That(RuntimeIdentifiers.ChooseAll("", "linux-x64;linux-arm64", null, null), Is.EqualTo(new[] { "linux-x64", "linux-arm64" }),
                "an empty ContainerRuntimeIdentifier does not count");
            Assert.That(RuntimeIdentifiers.ChooseAll("  ", "linux-arm64", null, null), Is.EqualTo(new[] { "linux-arm64" }), "a one-entry list is one image");
        }

        [Test]
        public void ContainerRuntimeIdentifiers_wins_over_the_publish_rid_and_the_project()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll(null, "linux-arm64;linux-x64", "linux-musl-x64", "linux-arm"), Is.EqualTo(new[] { "linux-arm64", "linux-x64" }));
        }

        [TestCase("linux-x64;win-x64", "win-x64")]
        [TestCase("osx-arm64;linux-x64", "osx-arm64")]
        [TestCase("linux-x64;linux-mips", "linux-mips")]
        [TestCase("linux-x64;LINUX-ARM64", "LINUX-ARM64")]
        public void A_non_linux_entry_is_OCI1012_naming_ContainerRuntimeIdentifiers(string list, string bad)
        {
            var e = Assert.Throws<OciException>(() => RuntimeIdentifiers.ChooseAll(null, list, "linux-x64", null))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.NonLinuxRuntimeIdentifier));
            Assert.That(e.Message, Does.Contain("ContainerRuntimeIdentifiers").And.Contain("'" + bad + "'"));
        }

        [TestCase("linux-x64;linux-musl-x64", "linux/amd64")]
        [TestCase("linux-musl-arm64;linux-x64;linux-arm64", "linux/arm64/v8")]
        public void Two_rids_of_one_platform_are_OCI1022(string list, string platform)
        {
            var e = Assert.Throws<OciException>(() => RuntimeIdentifiers.ChooseAll(null, list, null, null))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.DuplicatePlatform));
            Assert.That(e.Message, Does.Contain("ContainerRuntimeIdentifiers").And.Contain(platform));
            foreach (var rid in list.Split(';').Where(r => RuntimeIdentifiers.ToPlatform(r).ToString() == platform))
                Assert.That(e.Message, Does.Contain(rid));
        }

        [Test]
        public void The_publish_rid_is_used_when_there_are_no_container_rids()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll(null, null, "linux-musl-arm64", "linux-x64;linux-arm64"), Is.EqualTo(new[] { "linux-musl-arm64" }));
            Assert.That(RuntimeIdentifiers.ChooseAll("", " ; ", " linux-arm ", null), Is.EqualTo(new[] { "linux-arm" }), "a list of blanks is no list");
        }

        [Test]
        public void The_projects_linux_RuntimeIdentifiers_otherwise()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll(null, null, null, "win-x64;linux-x64;linux-arm64"), Is.EqualTo(new[] { "linux-x64", "linux-arm64" }));
            Assert.That(RuntimeIdentifiers.ChooseAll("", "", "", " linux-arm64 ; osx-arm64 ; linux-arm64 "), Is.EqualTo(new[] { "linux-arm64" }));
        }

        [Test]
        public void Two_project_rids_of_one_platform_are_OCI1022_naming_RuntimeIdentifiers()
        {
            var e = Assert.Throws<OciException>(() => RuntimeIdentifiers.ChooseAll(null, null, null, "win-x64;linux-x64;linux-musl-x64"))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.DuplicatePlatform));
            Assert.That(e.Message, Does.StartWith("RuntimeIdentifiers has").And.Contain("linux-x64").And.Contain("linux-musl-x64"));
        }

        [Test]
        public void Nothing_at_all_is_the_host_rid()
        {
            Assert.That(RuntimeIdentifiers.ChooseAll(null, null, null, null), Is.EqualTo(new[] { Host }));
            Assert.That(RuntimeIdentifiers.ChooseAll("", "", "", ""), Is.EqualTo(new[] { Host }));
            Assert.That(RuntimeIdentifiers.ChooseAll(null, null, null, "win-x64;osx-arm64"), Is.EqualTo(new[] { Host }), "no Linux RID in the project");
        }

        [TestCase("linux-arm64", "linux", "arm64", "v8")]
        [TestCase("linux-arm", "linux", "arm", "v7")]
        [TestCase("linux-musl-arm64", "linux", "arm64", "v8")]
        [TestCase("linux-x64", "linux", "amd64", null)]
        public void Rid_to_platform(string rid, string os, string arch, string? variant)
        {
            var p = RuntimeIdentifiers.ToPlatform(rid);
            Assert.That((p.Os, p.Architecture, p.Variant), Is.EqualTo((os, arch, variant)));
        }
    }

    /// <summary>The apphost and deps.json of a multi-platform build go to their own layer, so the app layer is shared.</summary>
    public class AppHostLayerTests
    {
        private static PublishedFile Meta(string path, string? package = null) =>
            new PublishedFile(path, "/nowhere/" + path) { HasMetadata = true, NuGetPackageId = package };

        private static PublishedFile Bare(string path) => new PublishedFile(path, "/nowhere/" + path);

        [Test]
        public void AppHostFilesOf_names_the_apphost_and_deps_json()
        {
            Assert.That(LayerPlanner.AppHostFilesOf("My.App"), Is.EqualTo(new[] { "My.App", "My.App.deps.json" }));
        }

        [Test]
        public void With_AppHostFilesOf_apphost_and_deps_json_go_to_the_AppHost_layer()
        {
            var planner = new LayerPlanner(new[] { "Microsoft.NETCore.App.Runtime.linux-x64" }, DepsJsonIndex.Empty, LayerPlanner.AppHostFilesOf("App"));
            Assert.Multiple(() =>
            {
                Assert.That(planner.Classify(Meta("App")), Is.EqualTo(LayerKind.AppHost));
                Assert.That(planner.Classify(Meta("App.deps.json")), Is.EqualTo(LayerKind.AppHost));
                Assert.That(planner.Classify(Bare("App")), Is.EqualTo(LayerKind.AppHost), "also without MSBuild metadata");
                Assert.That(planner.Classify(Meta("App.dll")), Is.EqualTo(LayerKind.App));
                Assert.That(planner.Classify(Meta("App.runtimeconfig.json")), Is.EqualTo(LayerKind.App));
                Assert.That(planner.Classify(Meta("app")), Is.EqualTo(LayerKind.App), "paths compare case-sensitively, as on Linux");
                Assert.That(planner.Classify(Meta("sub/App")), Is.EqualTo(LayerKind.App), "only the top-level apphost");
                Assert.That(planner.Classify(Meta("Other.deps.json")), Is.EqualTo(LayerKind.App));
                Assert.That(planner.Classify(Meta("libclrjit.so", "Microsoft.NETCore.App.Runtime.linux-x64")), Is.EqualTo(LayerKind.Runtime));
            });
        }

        [Test]
        public void Without_it_apphost_and_deps_json_stay_in_the_app_layer()
        {
            foreach (var planner in new[]
            {
                new LayerPlanner(Array.Empty<string>(), DepsJsonIndex.Empty),
                new LayerPlanner(Array.Empty<string>(), DepsJsonIndex.Empty, Array.Empty<string>()),
            })
            {
                Assert.That(planner.Classify(Meta("App")), Is.EqualTo(LayerKind.App));
                Assert.That(planner.Classify(Meta("App.deps.json")), Is.EqualTo(LayerKind.App));
                Assert.That(planner.Plan(new[] { Meta("App"), Meta("App.dll"), Meta("App.deps.json") }).Select(p => p.Kind), Is.EqualTo(new[] { LayerKind.App }));
            }
        }

        [Test]
        public void Plan_puts_the_AppHost_layer_below_the_app_layer()
        {
            var planner = new LayerPlanner(Array.Empty<string>(), DepsJsonIndex.Empty, LayerPlanner.AppHostFilesOf("App"));
            var plan = planner.Plan(new[] { Meta("App.dll"), Meta("App.deps.json"), Meta("Lib.dll", "Lib"), Meta("App") });
            Assert.That(plan.Select(p => p.Kind), Is.EqualTo(new[] { LayerKind.Packages, LayerKind.AppHost, LayerKind.App }));
            Assert.That(plan[1].Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "App", "App.deps.json" }));
            Assert.That(plan[2].Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "App.dll" }));
            Assert.That(LayerKind.AppHost.Name(), Is.EqualTo("app-host"));
        }
    }

    /// <summary>ContainerArchivePlatform: which platform a multi-platform tarball's manifest.json names.</summary>
    public class ArchivePlatformTests : StoreFixture
    {
        private static readonly Platform HostPlatform = RuntimeIdentifiers.ToPlatform(RuntimeIdentifiers.ForHostArchitecture());

        private ImageSet Set(params Platform[] platforms)
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            return IndexBuilder.Build(platforms.Select(p => MultiPlatformImages.Build(_store, _temp, p, shared)).ToList(), ImageFormat.Oci, null, _store);
        }

        [TestCase("linux/arm64", "linux", "arm64", null)]
        [TestCase("linux/arm64/v8", "linux", "arm64", "v8")]
        [TestCase("linux/arm/v7", "linux", "arm", "v7")]
        [TestCase("linux-arm64", "linux", "arm64", "v8")]
        [TestCase("linux-musl-x64", "linux", "amd64", null)]
        public void Parse(string text, string os, string arch, string? variant)
        {
            var p = ArchivePlatform.Parse(text);
            Assert.That((p.Os, p.Architecture, p.Variant), Is.EqualTo((os, arch, variant)));
        }

        [TestCase("garbage")]
        [TestCase("")]
        [TestCase("linux")]
        [TestCase("linux/")]
        [TestCase("/amd64")]
        [TestCase("linux//v8")]
        [TestCase("linux/arm64/v8/extra")]
        [TestCase("linux/amd 64")]
        [TestCase("win-x64")]
        [TestCase("linux-mips")]
        public void Parse_of_garbage_is_OCI1023(string text)
        {
            var e = Assert.Throws<OciException>(() => ArchivePlatform.Parse(text))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidArchivePlatform));
            Assert.That(e.Message, Does.Contain("ContainerArchivePlatform '" + text + "'"));
        }

        [TestCase("linux/arm64")]
        [TestCase("linux/arm64/v8")]
        [TestCase("linux-arm64")]
        [TestCase(" linux/arm64 ")]
        public void Arm64_in_any_spelling_picks_the_arm64_image(string wanted)
        {
            var set = Set(MultiPlatformImages.Amd64, MultiPlatformImages.Arm64);
            var chosen = ArchivePlatform.Choose(set, wanted);
            Assert.That(chosen, Is.SameAs(set.Images[1]));
            Assert.That(chosen.RuntimeIdentifier, Is.EqualTo("linux-arm64"));
        }

        [TestCase("linux/amd64")]
        [TestCase("linux-x64")]
        public void Amd64_picks_the_amd64_image(string wanted)
        {
            var set = Set(MultiPlatformImages.Arm64, MultiPlatformImages.Amd64);
            Assert.That(ArchivePlatform.Choose(set, wanted), Is.SameAs(set.Images[1]));
        }

        [TestCase(null)]
        [TestCase("")]
        [TestCase("   ")]
        public void Empty_picks_the_building_machines_platform_not_the_first(string? wanted)
        {
            Assume.That(HostPlatform.Architecture, Is.EqualTo("amd64").Or.EqualTo("arm64"), "the set below has amd64 and arm64");
            var set = Set(MultiPlatformImages.Arm64, MultiPlatformImages.Amd64);
            var chosen = ArchivePlatform.Choose(set, wanted);
            Assert.That(chosen.Platform.Architecture, Is.EqualTo(HostPlatform.Architecture));
            if (HostPlatform.Architecture == "amd64") Assert.That(chosen, Is.SameAs(set.Images[1]), "amd64 is second in the set");
        }

        [Test]
        public void Empty_picks_the_first_image_when_the_host_platform_is_not_in_the_set()
        {
            Assume.That(HostPlatform.Architecture, Is.Not.EqualTo("arm64").And.Not.EqualTo("arm"));
            var set = Set(MultiPlatformImages.Arm64, MultiPlatformImages.ArmV7);
            Assert.That(ArchivePlatform.Choose(set, ""), Is.SameAs(set.Images[0]));
        }

        [Test]
        public void Empty_on_a_single_image_is_that_image_whatever_its_platform()
        {
            var shared = MultiPlatformImages.SharedAppLayer(_store, _temp);
            var only = MultiPlatformImages.Build(_store, _temp, HostPlatform.Architecture == "arm" ? MultiPlatformImages.Amd64 : MultiPlatformImages.ArmV7, shared);
            Assert.That(ArchivePlatform.Choose(ImageSet.Single(only), null), Is.SameAs(only));
        }

        [TestCase("linux/arm/v7")]
        [TestCase("linux-arm")]
        [TestCase("linux/arm64/v9")]
        [TestCase("windows/amd64")]
        public void A_platform_not_in_the_set_is_OCI1023_listing_the_sets_platforms(string wanted)
        {
            var set = Set(MultiPlatformImages.Amd64, MultiPlatformImages.Arm64);
            var e = Assert.Throws<OciException>(() => ArchivePlatform.Choose(set, wanted))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidArchivePlatform));
            Assert.That(e.Message, Does.Contain("'" + wanted + "'").And.Contain("linux/amd64, linux/arm64/v8"));
        }

        [Test]
        public void Garbage_is_OCI1023_on_a_set_too()
        {
            var set = Set(MultiPlatformImages.Amd64, MultiPlatformImages.Arm64);
            var e = Assert.Throws<OciException>(() => ArchivePlatform.Choose(set, "amd64!"))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidArchivePlatform));
            Assert.That(e.Message, Does.Contain("is not a platform"));
        }
    }
}
