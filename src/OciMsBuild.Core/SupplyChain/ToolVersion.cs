using System.Reflection;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>OciMsBuild's own version (with the commit it was built from), as SBOM creator and provenance builder.</summary>
    public static class ToolVersion
    {
        public static string Current { get; } =
            typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
    }
}
