namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>What to tell a user whose referenced project compiled local paths into its assembly.</summary>
    public static class ReferencePathAdvice
    {
        public static string For(string assemblyName, string projectFile, string pdbPath) =>
            $"{assemblyName} (from {projectFile}) was compiled with this machine's paths (its pdb path is '{pdbPath}'), " +
            "so the image digest changes with the folder the sources are in. Image builds map source paths only in " +
            "projects that use OciMsBuild; for the projects they reference, add to a Directory.Build.props at the " +
            "repository root <DeterministicSourcePaths Condition=\"'$(ContainerImage)' == 'true'\">true</DeterministicSourcePaths> " +
            "(a git checkout; it reaches a referenced project only when ContainerImage is given on the command line, " +
            "-p:ContainerImage=true) or <PathMap>$(MSBuildThisFileDirectory)=/_/</PathMap> (any folder, any build). " +
            "ContainerDeterministicPaths=false turns this check off.";
    }
}
