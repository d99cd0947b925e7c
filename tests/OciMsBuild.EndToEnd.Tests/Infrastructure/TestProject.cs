using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

using OciMsBuild.EndToEnd.Tests;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// A real project in a temp folder that consumes the packed OciMsBuild package from the local
    /// feed, exactly as a user's project would.
    /// </summary>
    public sealed class TestProject
    {
        private TestProject(string root, string projectDirectory, string name)
        {
            Root = root;
            Directory_ = projectDirectory;
            Name = name;
        }

        public string Root { get; }
        public string Directory_ { get; }
        public string Name { get; }
        public string ProjectFile => Path.Combine(Directory_, Name + ".csproj");
        public string ArchivePath => Path.Combine(Root, "out", Name.ToLowerInvariant() + ".tar");

        /// <summary>Console app with a NuGet dependency and a ProjectReference (one file per layer kind).</summary>
        /// <param name="mapPaths">false: no PathMap in Directory.Build.props, as in a user's repository.</param>
        public static TestProject Console(string? folder = null, string name = "HelloApp", string? extraProperties = null, bool useSdkForm = false, bool mapPaths = true)
        {
            var root = folder ?? NewRoot();
            WriteCommon(root, mapPaths);
            var lib = Path.Combine(root, "Greeting");
            Write(Path.Combine(lib, "Greeting.csproj"), @"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>
</Project>");
            Write(Path.Combine(lib, "Greeter.cs"), @"namespace Greeting { public static class Greeter { public static string Hello(string who) => ""Hello, "" + who + ""!""; } }");

            var app = Path.Combine(root, name);
            var sdk = useSdkForm ? $@"  <Sdk Name=""OciMsBuild.Sdk"" Version=""{TestEnvironment.PackageVersion}"" />" : "";
            var package = useSdkForm ? "" : $@"    <PackageReference Include=""OciMsBuild"" Version=""{TestEnvironment.PackageVersion}"" PrivateAssets=""all"" />";
            Write(Path.Combine(app, name + ".csproj"), $@"<Project Sdk=""Microsoft.NET.Sdk"">
{sdk}
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <InvariantGlobalization>true</InvariantGlobalization>
    {extraProperties}
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include=""Newtonsoft.Json"" Version=""13.0.3"" />
{package}
    <ProjectReference Include=""../Greeting/Greeting.csproj"" />
  </ItemGroup>
</Project>");
            Write(Path.Combine(app, "Program.cs"), @"using System.Runtime.InteropServices;
var message = Greeting.Greeter.Hello(""container"");
Console.WriteLine(message + "" json="" + Newtonsoft.Json.JsonConvert.SerializeObject(new { arch = RuntimeInformation.OSArchitecture.ToString() }));
Console.WriteLine(""cwd="" + Environment.CurrentDirectory + "" user="" + Environment.UserName);
");
            return new TestProject(root, app, name);
        }

        /// <summary>ASP.NET minimal API (Microsoft.NET.Sdk.Web).</summary>
        public static TestProject Web(string name = "HelloWeb")
        {
            var root = NewRoot();
            WriteCommon(root);
            var app = Path.Combine(root, name);
            Write(Path.Combine(app, name + ".csproj"), $@"<Project Sdk=""Microsoft.NET.Sdk.Web"">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include=""OciMsBuild"" Version=""{TestEnvironment.PackageVersion}"" PrivateAssets=""all"" />
  </ItemGroup>
</Project>");
            Write(Path.Combine(app, "Program.cs"), @"var app = WebApplication.CreateBuilder(args).Build();
app.MapGet(""/"", () => ""hello from the web image on "" + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture);
app.Run();
");
            return new TestProject(root, app, name);
        }

        public static string NewRoot()
        {
            var root = Path.Combine(TestEnvironment.WorkRoot, "p-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            System.IO.Directory.CreateDirectory(root);
            return root;
        }

        /// <summary>Publishes with ContainerImage=true plus the given properties; returns the full log.</summary>
        public ProcessResult Publish(params string[] properties) => RunDotNet(new[] { "publish", ProjectFile, "-c", "Release", "-p:ContainerImage=true" }.Concat(properties));

        /// <param name="timeout">How long before the build counts as hung and is killed (a failed test, not a hung run).</param>
        public ProcessResult RunDotNet(IEnumerable<string> args, IDictionary<string, string?>? extraEnvironment = null, TimeSpan? timeout = null)
        {
            var env = TestEnvironment.DotNetEnvironment();
            if (extraEnvironment != null)
                foreach (var kv in extraEnvironment) env[kv.Key] = kv.Value;
            var list = args.ToList();
            // The shared blob cache, unless a test asks for its own (to see what a cold cache fetches).
            if (!list.Any(a => a.StartsWith("-p:ContainerBlobCachePath=", StringComparison.Ordinal)))
                list.Add("-p:ContainerBlobCachePath=" + TestEnvironment.BlobCache);
            return ProcessRunner.Run("dotnet", list.Concat(new[] { "-nodeReuse:false", "-v:n" }),
                Directory_, env, timeout ?? TimeSpan.FromMinutes(10));
        }

        /// <summary>Publishes with extra environment variables (credentials, DOCKER_CONFIG) for this run only.</summary>
        public ProcessResult PublishWith(IDictionary<string, string?> environment, params string[] properties) =>
            RunDotNet(new[] { "publish", ProjectFile, "-c", "Release", "-p:ContainerImage=true" }.Concat(properties), environment);

        public string LayoutPath => Path.Combine(Directory_, "obj", "container", "Release", "net10.0", "image");
        public string SummaryPath => Path.Combine(Directory_, "obj", "container", "Release", "net10.0", "image.json");

        public void Edit(string relativePath, Func<string, string> change)
        {
            var path = Path.Combine(Directory_, relativePath);
            File.WriteAllText(path, change(File.ReadAllText(path)));
        }

        /// <summary>The same project in another root (a clone of it): same name and layout.</summary>
        public TestProject MovedTo(string root) =>
            new TestProject(root, Path.Combine(root, Path.GetRelativePath(Root, Directory_)), Name);

        /// <summary>Adds our feed beside the machine's own source (no &lt;clear/&gt;: other packages must still restore).</summary>
        public static void WriteNuGetConfig(string root) =>
            Write(Path.Combine(root, "nuget.config"), $@"<?xml version=""1.0"" encoding=""utf-8""?>
<configuration>
  <packageSources>
    <add key=""ocimsbuild-e2e"" value=""{TestEnvironment.Feed}"" />
  </packageSources>
</configuration>");

        private static void WriteCommon(string root, bool mapPaths = true)
        {
            WriteNuGetConfig(root);
            // Stop MSBuild from walking up into unrelated Directory.*.props. The PathMap is what any
            // reproducible .NET build needs (CI gets it from ContinuousIntegrationBuild in a git
            // checkout): without it the compiler embeds this folder's path in every .dll and .pdb.
            Write(Path.Combine(root, "Directory.Build.props"), mapPaths
                ? "<Project><PropertyGroup><PathMap>$(MSBuildThisFileDirectory)=/src/</PathMap></PropertyGroup></Project>"
                : "<Project />");
            Write(Path.Combine(root, "Directory.Build.targets"), "<Project />");
            Write(Path.Combine(root, "Directory.Packages.props"), "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");
        }

        private static void Write(string path, string text)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
    }
}
