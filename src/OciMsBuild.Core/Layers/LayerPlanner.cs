using System;
using System.Collections.Generic;
using System.Linq;

namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Sorts publish files into the rate-of-change layers. Decisions come from MSBuild metadata
    /// (NuGetPackageId, ReferenceSourceTarget) and, for files without it, from deps.json — never
    /// from file names.
    /// </summary>
    public sealed class LayerPlanner
    {
        private readonly HashSet<string> _runtimePackIds;
        private readonly DepsJsonIndex _deps;

        public LayerPlanner(IEnumerable<string> runtimePackIds, DepsJsonIndex deps)
        {
            _runtimePackIds = new HashSet<string>(runtimePackIds.Where(id => !string.IsNullOrWhiteSpace(id)), StringComparer.OrdinalIgnoreCase);
            _deps = deps;
        }

        public LayerKind Classify(PublishedFile file)
        {
            if (file.HasMetadata)
            {
                if (!string.IsNullOrEmpty(file.NuGetPackageId))
                    return _runtimePackIds.Contains(file.NuGetPackageId!) ? LayerKind.Runtime : LayerKind.Packages;
                if (string.Equals(file.ReferenceSourceTarget, "ProjectReference", StringComparison.OrdinalIgnoreCase))
                    return LayerKind.ProjectReferences;
                return LayerKind.App;
            }
            return _deps.Find(file.RelativePath) ?? LayerKind.App;
        }

        /// <summary>Groups files by layer, in layer order, omitting empty layers.</summary>
        public IReadOnlyList<(LayerKind Kind, IReadOnlyList<PublishedFile> Files)> Plan(IEnumerable<PublishedFile> files)
        {
            return files
                .GroupBy(Classify)
                .OrderBy(g => g.Key)
                .Select(g => (g.Key, (IReadOnlyList<PublishedFile>)g.OrderBy(f => f.RelativePath, StringComparer.Ordinal).ToList()))
                .ToList();
        }
    }
}
