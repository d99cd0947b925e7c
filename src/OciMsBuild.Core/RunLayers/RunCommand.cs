using System.Collections.Generic;

namespace OciMsBuild.Core.RunLayers
{
    /// <summary>One ContainerRunCommand: a shell command and the files it reads from the project.</summary>
    public sealed class RunCommand
    {
        public RunCommand(string command, IReadOnlyList<string> inputFiles)
        {
            Command = command;
            InputFiles = inputFiles;
        }

        /// <summary>Run by the base image's /bin/sh -c.</summary>
        public string Command { get; }
        /// <summary>Full paths; each is visible in the container as /ocimsbuild/inputs/FILENAME (read-only).</summary>
        public IReadOnlyList<string> InputFiles { get; }
    }
}
