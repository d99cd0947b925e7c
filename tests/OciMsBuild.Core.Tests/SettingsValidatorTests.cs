using System;
using NUnit.Framework;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Tests
{
    public class SettingsValidatorTests
    {
        private static OciException Fails(TestDelegate action, string code, string property)
        {
            var e = Assert.Throws<OciException>(action)!;
            Assert.That(e.Code, Is.EqualTo(code));
            Assert.That(e.Message, Does.Contain(property), "the message names the property");
            Assert.That(e.Message, Does.Contain("e.g.").Or.Contain("use '"), "the message says what would be valid");
            return e;
        }

        [TestCase("org.opencontainers.image.source")]
        [TestCase("a")]
        [TestCase("com.example/team-x_y")]
        public void Valid_labels(string key) => Assert.DoesNotThrow(() => SettingsValidator.LabelName(key));

        [TestCase("")]
        [TestCase("has space")]
        [TestCase(".leading")]
        [TestCase("trailing-")]
        [TestCase("a=b")]
        public void Invalid_labels_are_OCI1007(string key)
        {
            var e = Fails(() => SettingsValidator.LabelName(key), "OCI1007", "ContainerLabel");
            Assert.That(e.Message, Does.Contain("'" + key + "'"));
        }

        [TestCase("80", 80, "tcp")]
        [TestCase("80/tcp", 80, "tcp")]
        [TestCase("53/udp", 53, "udp")]
        [TestCase("53/UDP", 53, "udp")]
        [TestCase("9000/sctp", 9000, "sctp")]
        [TestCase(" 1 ", 1, "tcp")]
        [TestCase("65535", 65535, "tcp")]
        public void Valid_ports(string spec, int number, string type)
        {
            var p = SettingsValidator.Port(spec, null);
            Assert.That((p.Number, p.Type), Is.EqualTo((number, type)));
            Assert.That(p.ToString(), Is.EqualTo(number + "/" + type));
        }

        [Test]
        public void Port_type_metadata_wins()
        {
            Assert.That(SettingsValidator.Port("53", "UDP").ToString(), Is.EqualTo("53/udp"));
            Assert.That(SettingsValidator.Port("53/tcp", "udp").ToString(), Is.EqualTo("53/udp"));
        }

        [TestCase("0", null)]
        [TestCase("70000", null)]
        [TestCase("65536", null)]
        [TestCase("80/xyz", null)]
        [TestCase("80", "icmp")]
        [TestCase("", null)]
        [TestCase("-1", null)]
        [TestCase("eighty", null)]
        [TestCase("80/tcp/udp", null)]
        [TestCase("123456", null)]
        public void Invalid_ports_are_OCI1008(string spec, string? type)
        {
            var e = Fails(() => SettingsValidator.Port(spec, type), "OCI1008", "ContainerPort");
            Assert.That(e.Message, Does.Contain("'" + spec + "'"));
        }

        [TestCase("ASPNETCORE_ENVIRONMENT")]
        [TestCase("_x")]
        [TestCase("a.b-c")]
        public void Valid_environment_names(string name) => Assert.DoesNotThrow(() => SettingsValidator.EnvironmentName(name));

        [TestCase("")]
        [TestCase("1ABC")]
        [TestCase("A=B")]
        [TestCase("A B")]
        public void Invalid_environment_names_are_OCI1009(string name) =>
            Fails(() => SettingsValidator.EnvironmentName(name), "OCI1009", "ContainerEnvironmentVariable");

        [TestCase("app", "app")]
        [TestCase("1654", "1654")]
        [TestCase("1654:1654", "1654:1654")]
        [TestCase("app:staff", "app:staff")]
        [TestCase(" root ", "root")]
        public void Valid_users(string user, string normalized) => Assert.That(SettingsValidator.User(user), Is.EqualTo(normalized));

        [TestCase("")]
        [TestCase("app user")]
        [TestCase("app:")]
        [TestCase(":1000")]
        [TestCase("a:b:c")]
        public void Invalid_users_are_OCI1010(string user) => Fails(() => SettingsValidator.User(user), "OCI1010", "ContainerUser");

        [TestCase(null, "/app")]
        [TestCase("", "/app")]
        [TestCase("/", "/")]
        [TestCase("/srv/app/", "/srv/app")]
        [TestCase(" /work ", "/work")]
        public void Valid_working_directories(string? dir, string normalized) => Assert.That(SettingsValidator.WorkingDirectory(dir), Is.EqualTo(normalized));

        [TestCase("app")]
        [TestCase("/app/../etc")]
        [TestCase("/./app")]
        [TestCase(@"C:\app")]
        [TestCase(@"/app\sub")]
        public void Invalid_working_directories_are_OCI1011(string dir) =>
            Fails(() => SettingsValidator.WorkingDirectory(dir), "OCI1011", "ContainerWorkingDirectory");

        [TestCase(null, ImageFormat.Oci)]
        [TestCase("", ImageFormat.Oci)]
        [TestCase("oci", ImageFormat.Oci)]
        [TestCase(" Docker ", ImageFormat.Docker)]
        public void Image_formats(string? value, ImageFormat format) => Assert.That(SettingsValidator.ImageFormat(value), Is.EqualTo(format));

        [Test]
        public void Unknown_image_format_is_OCI1013() => Fails(() => SettingsValidator.ImageFormat("tar"), "OCI1013", "ContainerImageFormat");

        [TestCase("MyApp")]
        [TestCase("my app")]
        [TestCase("app/")]
        [TestCase("")]
        public void Invalid_repositories_are_OCI1014(string repository) =>
            Fails(() => SettingsValidator.Repository(repository), "OCI1014", "ContainerRepository");

        [Test]
        public void Valid_repository() => Assert.DoesNotThrow(() => SettingsValidator.Repository("team/my-app"));

        [Test]
        public void Tags_are_trimmed_deduplicated_and_default_to_latest()
        {
            Assert.That(SettingsValidator.Tags(new[] { " 1.0 ", "", "latest", "1.0" }), Is.EqualTo(new[] { "1.0", "latest" }));
            Assert.That(SettingsValidator.Tags(new string[0]), Is.EqualTo(new[] { "latest" }));
            Assert.That(SettingsValidator.Tags(new[] { "  " }), Is.EqualTo(new[] { "latest" }));
        }

        [TestCase("-bad")]
        [TestCase(".bad")]
        [TestCase("bad tag")]
        [TestCase("bad:tag")]
        public void Invalid_tags_are_OCI1002(string tag)
        {
            var e = Fails(() => SettingsValidator.Tags(new[] { "ok", tag }), "OCI1002", "ContainerImageTags");
            Assert.That(e.Message, Does.Contain("'" + tag.Trim() + "'"));
        }

        [Test]
        public void Too_long_tag_is_OCI1002() =>
            Fails(() => SettingsValidator.Tags(new[] { new string('t', 129) }), "OCI1002", "ContainerImageTags");
    

        [TestCase(null, 0)]
        [TestCase("", 0)]
        [TestCase("1654", 1654)]
        [TestCase("2097151", 2097151)]
        public void Valid_layer_owner_ids(string? value, int id) =>
            Assert.That(SettingsValidator.LayerOwnerId("ContainerLayerUserId", value), Is.EqualTo(id));

        [TestCase("-1")]
        [TestCase("abc")]
        [TestCase("2097152")]
        [TestCase("1.5")]
        public void Invalid_layer_owner_ids_are_OCI1019(string value) =>
            Fails(() => SettingsValidator.LayerOwnerId("ContainerLayerGroupId", value), "OCI1019", "ContainerLayerGroupId");

        [TestCase(null, 6)]
        [TestCase("0", 0)]
        [TestCase("9", 9)]
        public void Valid_compression_levels(string? value, int level) =>
            Assert.That(SettingsValidator.CompressionLevel(value), Is.EqualTo(level));

        [TestCase("10")]
        [TestCase("-1")]
        [TestCase("best")]
        public void Invalid_compression_levels_are_OCI1019(string value) =>
            Fails(() => SettingsValidator.CompressionLevel(value), "OCI1019", "ContainerLayerCompressionLevel");
    }
}
