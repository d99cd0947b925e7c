using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// A real solution in a temp folder, made with `dotnet new sln` and `dotnet sln add`: service
    /// console apps (each its own ContainerRepository, shop/&lt;name&gt;), a class library they all
    /// reference (Shared) and an NUnit test project (Shop.Tests) over the library, consuming the
    /// packed OciMsBuild package from the local feed as a user's solution would.
    /// </summary>
    public sealed class TestSolution
    {
        public const string Name = "Shop";
        public const string Library = "Shared";
        public const string Tests = "Shop.Tests";

        private TestSolution(string root, string solutionFile, IReadOnlyList<string> services)
        {
            Root = root;
            SolutionFile = solutionFile;
            Services = services;
        }

        public string Root { get; }
        /// <summary>Shop.slnx (the format `dotnet new sln` writes with the .NET 10 SDK) or Shop.sln.</summary>
        public string SolutionFile { get; }
        public IReadOnlyList<string> Services { get; }

        public string ProjectFile(string project) => Path.Combine(Root, project, project + ".csproj");
        public string ProjectDirectory(string project) => Path.Combine(Root, project);

        /// <summary>The service's ContainerRepository.</summary>
        public static string Repository(string service) => "shop/" + service.ToLowerInvariant();

        /// <summary>What the service's image prints when it runs.</summary>
        public static string ExpectedOutput(string service) =>
            "Hello from " + service.ToLowerInvariant() + "! json={\"service\":\"" + service.ToLowerInvariant() + "\"}";

        /// <param name="services">The service projects (console apps).</param>
        /// <param name="selfContained">true: the services are self-contained linux-x64 apps (one shared runtime layer); false: framework-dependent linux-x64.</param>
        /// <param name="packageEverywhere">
        /// false (how users add it): each service references the OciMsBuild package and sets
        /// ContainerImage=true in its project file. true: Directory.Build.props adds the package to
        /// every project of the solution (library and test project too, as a CPM GlobalPackageReference
        /// would) and no project sets ContainerImage: the command line gives it.
        /// </param>
        /// <param name="testsPublishable">false: the test project sets IsPublishable=false (keeps it out of `dotnet publish` of the solution).</param>
        public static TestSolution Create(IReadOnlyList<string> services, bool selfContained = true, bool packageEverywhere = false, bool testsPublishable = true)
        {
            var root = TestProject.NewRoot();
            TestProject.WriteNuGetConfig(root);
            var package = $@"<PackageReference Include=""OciMsBuild"" Version=""{TestEnvironment.PackageVersion}"" PrivateAssets=""all"" />";
            // As TestProject: no walking up into unrelated Directory.*.props, source paths mapped.
            Write(Path.Combine(root, "Directory.Build.props"), $@"<Project>
  <PropertyGroup><PathMap>$(MSBuildThisFileDirectory)=/src/</PathMap></PropertyGroup>
  {(packageEverywhere ? "<ItemGroup>" + package + "</ItemGroup>" : "")}
</Project>");
            Write(Path.Combine(root, "Directory.Build.targets"), "<Project />");
            Write(Path.Combine(root, "Directory.Packages.props"), "<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>");

            Write(Path.Combine(root, Library, Library + ".csproj"), @"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>
</Project>");
            Write(Path.Combine(root, Library, "Greeter.cs"), @"namespace Shared { public static class Greeter { public static string Hello(string who) => ""Hello from "" + who + ""!""; } }");

            foreach (var service in services)
            {
                var lower = service.ToLowerInvariant();
                Write(Path.Combine(root, service, service + ".csproj"), $@"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <InvariantGlobalization>true</InvariantGlobalization>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier>
    <SelfContained>{(selfContained ? "true" : "false")}</SelfContained>
    {(packageEverywhere ? "" : "<ContainerImage>true</ContainerImage>")}
    <ContainerRepository>{Repository(service)}</ContainerRepository>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include=""Newtonsoft.Json"" Version=""13.0.3"" />
    {(packageEverywhere ? "" : package)}
    <ProjectReference Include=""../{Library}/{Library}.csproj"" />
  </ItemGroup>
</Project>");
                Write(Path.Combine(root, service, "Program.cs"),
                    $@"Console.WriteLine(Shared.Greeter.Hello(""{lower}"") + "" json="" + Newtonsoft.Json.JsonConvert.SerializeObject(new {{ service = ""{lower}"" }}));
");
            }

            Write(Path.Combine(root, Tests, Tests + ".csproj"), $@"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <IsPackable>false</IsPackable>
    <IsTestProject>true</IsTestProject>
    {(testsPublishable ? "" : "<IsPublishable>false</IsPublishable>")}
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include=""Microsoft.NET.Test.Sdk"" Version=""17.14.1"" />
    <PackageReference Include=""NUnit"" Version=""4.4.0"" />
    <PackageReference Include=""NUnit3TestAdapter"" Version=""5.2.0"" />
    <ProjectReference Include=""../{Library}/{Library}.csproj"" />
  </ItemGroup>
</Project>");
            Write(Path.Combine(root, Tests, "GreeterTests.cs"), @"using NUnit.Framework;
namespace Shop.Tests { public class GreeterTests { [Test] public void Hello() => Assert.That(Shared.Greeter.Hello(""x""), Is.EqualTo(""Hello from x!"")); } }
");

            DotNet(root, "new", "sln", "-n", Name);
            var solution = Directory.GetFiles(root, Name + ".sln*").Single();
            DotNet(root, new[] { "sln", solution, "add" }.Concat(new[] { Library, Tests }.Concat(services).Select(p => Path.Combine(p, p + ".csproj"))).ToArray());
            return new TestSolution(root, solution, services.ToList());
        }

        /// <summary>A copy of the sources (no bin/ or obj/) in a new folder: the same solution on a clean checkout.</summary>
        public TestSolution Copy()
        {
            var root = TestProject.NewRoot();
            foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(Root, file);
                var parts = relative.Split(Path.DirectorySeparatorChar);
                if (parts.Length > 1 && (parts[1] == "bin" || parts[1] == "obj")) continue;
                var target = Path.Combine(root, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            return new TestSolution(root, Path.Combine(root, Path.GetFileName(SolutionFile)), Services);
        }

        /// <summary>`dotnet publish` of the solution, -c Release, with the given switches and properties.</summary>
        public ProcessResult Publish(params string[] args) => RunDotNet(new[] { "publish", SolutionFile, "-c", "Release" }.Concat(args));

        /// <summary>`dotnet publish` of one project of the solution.</summary>
        public ProcessResult PublishProject(string project, params string[] args) => RunDotNet(new[] { "publish", ProjectFile(project), "-c", "Release" }.Concat(args));

        /// <summary>As <see cref="TestProject.RunDotNet"/>: the test environment, no node reuse, normal verbosity. Pass ContainerBlobCachePath.</summary>
        public ProcessResult RunDotNet(IEnumerable<string> args, TimeSpan? timeout = null)
        {
            var list = args.ToList();
            if (!list.Any(a => a.StartsWith("-p:ContainerBlobCachePath=", StringComparison.Ordinal)))
                list.Add("-p:ContainerBlobCachePath=" + TestEnvironment.BlobCache);
            return ProcessRunner.Run("dotnet", list.Concat(new[] { "-nodeReuse:false", "-v:n" }), Root, TestEnvironment.DotNetEnvironment(), timeout ?? TimeSpan.FromMinutes(10));
        }

        private static void DotNet(string root, params string[] args) =>
            ProcessRunner.Run("dotnet", args, root, TestEnvironment.DotNetEnvironment(), TimeSpan.FromMinutes(2)).AssertSuccess("dotnet " + string.Join(" ", args));

        private static void Write(string path, string text)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
    }
}
