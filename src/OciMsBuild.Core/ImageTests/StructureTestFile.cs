using System.Collections.Generic;
using YamlDotNet.Serialization;

namespace OciMsBuild.Core.ImageTests
{
    /// <summary>
    /// A container-structure-test file, schema 2.0.0: the fields OciMsBuild runs. Fields of the
    /// schema it does not run are listed in <see cref="StructureTestLoader"/> and rejected with a
    /// coded error rather than silently ignored.
    /// </summary>
    public sealed class StructureTestFile
    {
        [YamlMember(Alias = "schemaVersion")] public string? SchemaVersion { get; set; }
        [YamlMember(Alias = "globalEnvVars")] public List<EnvVar>? GlobalEnvVars { get; set; }
        [YamlMember(Alias = "commandTests")] public List<CommandTest>? CommandTests { get; set; }
        [YamlMember(Alias = "fileExistenceTests")] public List<FileExistenceTest>? FileExistenceTests { get; set; }
        [YamlMember(Alias = "fileContentTests")] public List<FileContentTest>? FileContentTests { get; set; }
        [YamlMember(Alias = "metadataTest")] public MetadataTest? MetadataTest { get; set; }
        [YamlMember(Alias = "licenseTests")] public List<LicenseTest>? LicenseTests { get; set; }
        [YamlMember(Alias = "containerRunOptions")] public ContainerRunOptions? ContainerRunOptions { get; set; }

        /// <summary>The file it was read from (for messages and the report).</summary>
        [YamlIgnore] public string Source { get; set; } = "";
    }

    public sealed class EnvVar
    {
        [YamlMember(Alias = "key")] public string? Key { get; set; }
        [YamlMember(Alias = "value")] public string? Value { get; set; }
        [YamlMember(Alias = "isRegex")] public bool IsRegex { get; set; }
    }

    public sealed class Label
    {
        [YamlMember(Alias = "key")] public string? Key { get; set; }
        [YamlMember(Alias = "value")] public string? Value { get; set; }
        [YamlMember(Alias = "isRegex")] public bool IsRegex { get; set; }
    }

    public sealed class CommandTest
    {
        [YamlMember(Alias = "name")] public string? Name { get; set; }
        [YamlMember(Alias = "setup")] public List<List<string>>? Setup { get; set; }
        [YamlMember(Alias = "teardown")] public List<List<string>>? Teardown { get; set; }
        [YamlMember(Alias = "envVars")] public List<EnvVar>? EnvVars { get; set; }
        [YamlMember(Alias = "exitCode")] public int ExitCode { get; set; }
        [YamlMember(Alias = "command")] public string? Command { get; set; }
        [YamlMember(Alias = "args")] public List<string>? Args { get; set; }
        [YamlMember(Alias = "expectedOutput")] public List<string>? ExpectedOutput { get; set; }
        [YamlMember(Alias = "excludedOutput")] public List<string>? ExcludedOutput { get; set; }
        [YamlMember(Alias = "expectedError")] public List<string>? ExpectedError { get; set; }
        [YamlMember(Alias = "excludedError")] public List<string>? ExcludedError { get; set; }
    }

    public sealed class FileExistenceTest
    {
        [YamlMember(Alias = "name")] public string? Name { get; set; }
        [YamlMember(Alias = "path")] public string? Path { get; set; }
        /// <summary>Defaults to true, as in container-structure-test.</summary>
        [YamlMember(Alias = "shouldExist")] public bool ShouldExist { get; set; } = true;
        [YamlMember(Alias = "permissions")] public string? Permissions { get; set; }
        [YamlMember(Alias = "uid")] public int? Uid { get; set; }
        [YamlMember(Alias = "gid")] public int? Gid { get; set; }
        [YamlMember(Alias = "isExecutableBy")] public string? IsExecutableBy { get; set; }
    }

    public sealed class FileContentTest
    {
        [YamlMember(Alias = "name")] public string? Name { get; set; }
        [YamlMember(Alias = "path")] public string? Path { get; set; }
        [YamlMember(Alias = "expectedContents")] public List<string>? ExpectedContents { get; set; }
        [YamlMember(Alias = "excludedContents")] public List<string>? ExcludedContents { get; set; }
    }

    public sealed class MetadataTest
    {
        /// <summary>"env" in older files, "envVars" in newer ones: both accepted.</summary>
        [YamlMember(Alias = "env")] public List<EnvVar>? Env { get; set; }
        [YamlMember(Alias = "envVars")] public List<EnvVar>? EnvVars { get; set; }
        [YamlMember(Alias = "unboundEnvVars")] public List<EnvVar>? UnboundEnvVars { get; set; }
        [YamlMember(Alias = "exposedPorts")] public List<string>? ExposedPorts { get; set; }
        [YamlMember(Alias = "unexposedPorts")] public List<string>? UnexposedPorts { get; set; }
        [YamlMember(Alias = "entrypoint")] public List<string>? Entrypoint { get; set; }
        [YamlMember(Alias = "cmd")] public List<string>? Cmd { get; set; }
        [YamlMember(Alias = "workdir")] public string? Workdir { get; set; }
        [YamlMember(Alias = "volumes")] public List<string>? Volumes { get; set; }
        [YamlMember(Alias = "unmountedVolumes")] public List<string>? UnmountedVolumes { get; set; }
        [YamlMember(Alias = "labels")] public List<Label>? Labels { get; set; }
        [YamlMember(Alias = "user")] public string? User { get; set; }
    }

    public sealed class LicenseTest
    {
        [YamlMember(Alias = "debian")] public bool Debian { get; set; }
        [YamlMember(Alias = "files")] public List<string>? Files { get; set; }
    }

    /// <summary>How command tests run the container. Only user and envVars are supported (see the loader).</summary>
    public sealed class ContainerRunOptions
    {
        [YamlMember(Alias = "user")] public string? User { get; set; }
        [YamlMember(Alias = "envVars")] public List<string>? EnvVars { get; set; }
        [YamlMember(Alias = "privileged")] public bool? Privileged { get; set; }
        [YamlMember(Alias = "allocateTty")] public bool? AllocateTty { get; set; }
        [YamlMember(Alias = "envFile")] public string? EnvFile { get; set; }
        [YamlMember(Alias = "capabilities")] public List<string>? Capabilities { get; set; }
        [YamlMember(Alias = "bindMounts")] public List<string>? BindMounts { get; set; }
    }
}
