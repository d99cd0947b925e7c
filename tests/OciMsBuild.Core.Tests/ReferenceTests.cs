using NUnit.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.References;

namespace OciMsBuild.Core.Tests
{
    public class ImageReferenceTests
    {
        private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

        [TestCase("node", "docker.io", "library/node", "latest", null)]
        [TestCase("node:20", "docker.io", "library/node", "20", null)]
        [TestCase("a/b", "docker.io", "a/b", "latest", null)]
        [TestCase("a/b/c:1.0", "docker.io", "a/b/c", "1.0", null)]
        [TestCase("localhost/x", "localhost", "x", "latest", null)]
        [TestCase("localhost:5000/x", "localhost:5000", "x", "latest", null)]
        [TestCase("127.0.0.1:5000/a/b:tag", "127.0.0.1:5000", "a/b", "tag", null)]
        [TestCase("mcr.microsoft.com/dotnet/runtime:10.0", "mcr.microsoft.com", "dotnet/runtime", "10.0", null)]
        [TestCase("index.docker.io/library/node:20", "docker.io", "library/node", "20", null)]
        [TestCase("index.docker.io/node", "docker.io", "library/node", "latest", null)]
        [TestCase("registry-1.docker.io/a/b:x", "docker.io", "a/b", "x", null)]
        [TestCase("docker.io/node", "docker.io", "library/node", "latest", null)]
        public void Normalizes_like_docker(string text, string registry, string repository, string tag, string? digest)
        {
            var r = ImageReference.Parse(text, "ContainerBaseImage");
            Assert.Multiple(() =>
            {
                Assert.That(r.Registry, Is.EqualTo(registry));
                Assert.That(r.Repository, Is.EqualTo(repository));
                Assert.That(r.Tag, Is.EqualTo(tag));
                Assert.That(r.Digest, Is.EqualTo(digest));
            });
        }

        [Test]
        public void Host_with_port_and_digest_keeps_the_digest_and_no_default_tag()
        {
            var r = ImageReference.Parse("myreg.example:5000/team/app@sha256:" + Hex, "X");
            Assert.Multiple(() =>
            {
                Assert.That(r.Registry, Is.EqualTo("myreg.example:5000"));
                Assert.That(r.Repository, Is.EqualTo("team/app"));
                Assert.That(r.Tag, Is.Null);
                Assert.That(r.Digest, Is.EqualTo("sha256:" + Hex));
                Assert.That(r.Reference, Is.EqualTo("sha256:" + Hex));
                Assert.That(r.ToString(), Is.EqualTo("myreg.example:5000/team/app@sha256:" + Hex));
            });
        }

        [Test]
        public void Tag_and_digest_together_are_both_kept()
        {
            var r = ImageReference.Parse("localhost:5000/x:1@sha256:" + Hex, "X");
            Assert.That(r.Tag, Is.EqualTo("1"));
            Assert.That(r.Digest, Is.EqualTo("sha256:" + Hex));
            Assert.That(r.Reference, Is.EqualTo("sha256:" + Hex), "a digest wins over a tag for lookups");
            Assert.That(r.ToString(), Is.EqualTo("localhost:5000/x:1@sha256:" + Hex));
        }

        [Test]
        public void ToString_is_the_normalized_form()
        {
            Assert.That(ImageReference.Parse("node", "X").ToString(), Is.EqualTo("docker.io/library/node:latest"));
            Assert.That(ImageReference.Parse("a/b", "X").ToString(), Is.EqualTo("docker.io/a/b:latest"));
        }

        [Test]
        public void Docker_hub_is_reached_at_registry_1()
        {
            Assert.That(ImageReference.Parse("node", "X").RegistryEndpoint, Is.EqualTo("registry-1.docker.io"));
            Assert.That(ImageReference.Parse("index.docker.io/a/b", "X").RegistryEndpoint, Is.EqualTo("registry-1.docker.io"));
            Assert.That(ImageReference.Parse("localhost:5000/x", "X").RegistryEndpoint, Is.EqualTo("localhost:5000"));
            Assert.That(ImageReference.Parse("ghcr.io/a/b", "X").RegistryEndpoint, Is.EqualTo("ghcr.io"));
        }

        [TestCase("", "empty")]
        [TestCase("   ", "empty")]
        [TestCase(" node", "spaces")]
        [TestCase("Node", "repository 'Node'")]
        [TestCase("docker.io/MyApp", "repository 'MyApp'")]
        [TestCase("node:-bad", "tag '-bad'")]
        [TestCase("node:a b", "tag 'a b'")]
        [TestCase("node@sha256:abc", "digest 'sha256:abc'")]
        [TestCase("node@md5:0123456789abcdef0123456789abcdef", "digest")]
        [TestCase("a//b", "repository")]
        [TestCase("bad_host.:5000/x", "registry")]
        public void Invalid_input_is_OCI1001_and_names_the_property(string text, string why)
        {
            var e = Assert.Throws<OciException>(() => ImageReference.Parse(text, "ContainerBaseImage"))!;
            Assert.That(e.Code, Is.EqualTo(ErrorCodes.InvalidReference));
            Assert.That(e.Message, Does.StartWith("ContainerBaseImage '" + text + "'"));
            Assert.That(e.Message, Does.Contain(why));
            Assert.That(ImageReference.TryParse(text, out var r, out _), Is.False);
            Assert.That(r, Is.Null);
        }

        [Test]
        public void Tag_longer_than_128_is_invalid()
        {
            Assert.That(ImageReference.IsValidTag(new string('a', 128)), Is.True);
            Assert.That(ImageReference.IsValidTag(new string('a', 129)), Is.False);
            var e = Assert.Throws<OciException>(() => ImageReference.Parse("node:" + new string('a', 129), "X"))!;
            Assert.That(e.Code, Is.EqualTo("OCI1001"));
        }

        [TestCase("app", true)]
        [TestCase("team/app", true)]
        [TestCase("a.b_c__d-e--f", true)]
        [TestCase("App", false)]
        [TestCase("app/", false)]
        [TestCase("-app", false)]
        [TestCase("a___b", false)]
        [TestCase("", false)]
        public void Repository_grammar(string repository, bool valid)
        {
            Assert.That(ImageReference.IsValidRepository(repository), Is.EqualTo(valid));
        }
    }

    public class RepositoryNamesTests
    {
        [TestCase("MyApp", "myapp")]
        [TestCase("My.App_Web", "my.app_web")]
        [TestCase("App Web", "app-web")]
        [TestCase("App  +  Web", "app-web")]
        [TestCase("_App.", "app")]
        [TestCase("Ünïcode", "n-code")]
        [TestCase("+++", "app")]
        [TestCase("", "app")]
        [TestCase("App (1).Web", "app-1-web")]
        [TestCase("My..App", "my-app")]
        [TestCase("Foo_.Bar", "foo-bar")]
        [TestCase("Foo__Bar", "foo__bar")]
        [TestCase("Foo___Bar", "foo-bar")]
        [TestCase("team//App", "team/app")]
        [TestCase("/team/-App-/", "team/app")]
        public void FromProjectName(string name, string expected)
        {
            var repo = RepositoryNames.FromProjectName(name);
            Assert.That(repo, Is.EqualTo(expected));
        }

        [TestCase("Some Project.With (Parens)")]
        [TestCase("Contoso.Web-API_v2")]
        [TestCase("a--b")]
        [TestCase("App (1).Web")]
        [TestCase("X.-._Y")]
        [TestCase("a/.b./c")]
        public void FromProjectName_gives_a_valid_repository(string name)
        {
            Assert.That(ImageReference.IsValidRepository(RepositoryNames.FromProjectName(name)), Is.True);
        }
    }
}
