using System;
using System.IO;
using System.Linq;
using System.Reflection.PortableExecutable;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>
    /// The pdb path the compiler wrote into an assembly (its CodeView debug record). An unmapped
    /// path names the folder the sources were built in, so the assembly's bytes, and the image's
    /// digest, depend on where the repository was cloned.
    /// </summary>
    public static class CompiledPaths
    {
        /// <summary>The CodeView pdb path of <paramref name="assemblyPath"/>; null when it has none or is not a PE file.</summary>
        public static string? PdbPathOf(string assemblyPath)
        {
            try
            {
                using var stream = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read);
                using var pe = new PEReader(stream);
                if (!pe.HasMetadata && pe.PEHeaders.PEHeader == null) return null;
                var codeView = pe.ReadDebugDirectory().FirstOrDefault(e => e.Type == DebugDirectoryEntryType.CodeView);
                if (codeView.Type != DebugDirectoryEntryType.CodeView) return null;
                return pe.ReadCodeViewDebugDirectoryData(codeView).Path;
            }
            catch (BadImageFormatException) { return null; }
        }

        /// <summary>
        /// Whether the assembly was compiled with an unmapped local path in its pdb path: under
        /// <paramref name="projectDirectory"/> (the project that built it), or in a folder that exists
        /// on this machine (artifacts output, a custom obj/). A mapped path (/_/…) names no real folder.
        /// </summary>
        public static bool CarriesLocalPath(string assemblyPath, string projectDirectory, out string? pdbPath)
        {
            pdbPath = PdbPathOf(assemblyPath);
            if (pdbPath == null) return false;
            var normalized = pdbPath.Replace('\\', '/');
            if (!string.IsNullOrEmpty(projectDirectory) && normalized.StartsWith(projectDirectory.Replace('\\', '/').TrimEnd('/') + "/", StringComparison.Ordinal))
                return true;
            if (!Path.IsPathRooted(pdbPath)) return false;
            var folder = Path.GetDirectoryName(pdbPath);
            return !string.IsNullOrEmpty(folder) && Directory.Exists(folder);
        }
    }
}
