using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.SupplyChain;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Warns (OCI1026) when an assembly a ProjectReference built carries its project's local folder:
    /// this project maps its own paths, but a referenced project without OciMsBuild does not.
    /// </summary>
    public sealed class CheckOciCompiledPaths : OciTask
    {
        /// <summary>Published files from ProjectReferences, with MSBuildSourceProjectFile.</summary>
        public ITaskItem[] ReferenceAssemblies { get; set; } = new ITaskItem[0];

        protected override void Run()
        {
            var warned = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in ReferenceAssemblies)
            {
                var project = item.GetMetadata("MSBuildSourceProjectFile");
                var extension = Path.GetExtension(item.ItemSpec);
                if (project.Length == 0 || warned.Contains(project) || !File.Exists(item.ItemSpec)) continue;
                if (!extension.Equals(".dll", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".exe", StringComparison.OrdinalIgnoreCase)) continue;
                if (!CompiledPaths.CarriesLocalPath(item.ItemSpec, Path.GetDirectoryName(project) ?? "", out var pdbPath)) continue;
                warned.Add(project);
                Log.LogWarning(null, ErrorCodes.LocalPathInReference, null, BuildEngine?.ProjectFileOfTaskNode, 0, 0, 0, 0,
                    ReferencePathAdvice.For(Path.GetFileName(item.ItemSpec), project, pdbPath!));
            }
        }
    }
}
