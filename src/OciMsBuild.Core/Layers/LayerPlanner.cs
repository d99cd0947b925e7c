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
        private readonly HashSet<string> _appHostFiles;

        /// <param name="appHostFiles">Relative paths that go to the <see cref="LayerKind.AppHost"/> layer (empty: none).</param>
        public LayerPlanner(IEnumerable<string> runtimePackIds, DepsJsonIndex deps, IEnumerable<string>? appHostFiles = null)
        {
            _runtimePackIds = new HashSet<string>(runtimePackIds.Where(id => !string.IsNullOrWhiteSpace(id)), StringComparer.OrdinalIgnoreCase);
            _deps = deps;
            _appHostFiles = new HashSet<string>(appHostFiles ?? Enumerable.Empty<string>(), StringComparer.Ordinal);
        }

        /// <summary>The files of an app that differ per platform: the apphost (no extension on Linux) and deps.json.</summary>
        public static IEnumerable<string> AppHostFilesOf(string assemblyName) => new[] { assemblyName, assemblyName + ".deps.json" };

        public LayerKind Classify(PublishedFile file)
        {
            if (_appHostFiles.Contains(file.RelativePath)) return LayerKind.AppHost;
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
