using NUnit.Framework;
using OciMsBuild.Core.Platforms;

namespace OciMsBuild.Core.Tests
{
    /// <summary>The PathMap entry that makes a RID-specific obj/ path compile like the RID-less one.</summary>
    public class PathMapsTests
    {
        private const string Rid = "/src/app/obj/Release/net10.0/linux-x64/";
        private const string Neutral = "/src/app/obj/Release/net10.0/";

        [Test]
        public void Without_a_map_the_rid_folder_maps_to_the_rid_less_folder()
        {
            Assert.That(PathMaps.Prepend("", Rid, Neutral), Is.EqualTo(Rid + "=" + Neutral));
            Assert.That(PathMaps.Prepend(null, Rid, Neutral), Is.EqualTo(Rid + "=" + Neutral));
        }

        [Test]
        public void The_target_is_mapped_by_the_first_matching_entry_so_SourceLinks_root_still_applies()
        {
            var sourceLink = "/src/=/_/,/other/=/o/";
            Assert.That(PathMaps.Prepend(sourceLink, Rid, Neutral), Is.EqualTo(Rid + "=/_/app/obj/Release/net10.0/," + sourceLink),
                "the machine path must not come back through our entry");
            Assert.That(PathMaps.Prepend("/elsewhere/=/e/", Rid, Neutral), Is.EqualTo(Rid + "=" + Neutral + ",/elsewhere/=/e/"), "no entry matches: the path itself");
        }

        [Test]
        public void Doubled_commas_and_equals_signs_are_path_characters_and_stay_escaped()
        {
            var map = "/src/a,,b==c/=/_/";
            Assert.That(PathMaps.Parse(map), Has.Count.EqualTo(1));
            Assert.That(PathMaps.Parse(map)[0].Key, Is.EqualTo("/src/a,b=c/"));
            var rid = "/src/a,b=c/obj/linux-x64/";
            Assert.That(PathMaps.Prepend(map, rid, "/src/a,b=c/obj/"), Is.EqualTo("/src/a,,b==c/obj/linux-x64/=/_/obj/," + map));
        }

        [Test]
        public void Running_twice_does_not_add_the_entry_again()
        {
            var once = PathMaps.Prepend("/src/=/_/", Rid, Neutral);
            Assert.That(PathMaps.Prepend(once, Rid, Neutral), Is.EqualTo(once));
        }
    }
}
