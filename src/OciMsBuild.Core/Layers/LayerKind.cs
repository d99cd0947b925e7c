namespace OciMsBuild.Core.Layers
{
    /// <summary>
    /// Publish output split by rate of change, least changed first, so that a code change
    /// invalidates only the last layer and the others stay cached in registries and daemons.
    /// </summary>
    public enum LayerKind
    {
        /// <summary>The .NET runtime of a self-contained publish (runtime packs).</summary>
        Runtime = 0,
        /// <summary>Third-party NuGet package files.</summary>
        Packages = 1,
        /// <summary>Outputs of the project's own ProjectReferences.</summary>
        ProjectReferences = 2,
        /// <summary>
        /// Multi-platform builds only: the apphost and deps.json, the two files of an app that
        /// differ between platforms. Apart from them the app layer is then identical on every platform.
        /// </summary>
        AppHost = 3,
        /// <summary>The app itself: its assembly, apphost, deps/runtimeconfig, content.</summary>
        App = 4,
    }

    public static class LayerKindNames
    {
        public static string Name(this LayerKind kind)
        {
            switch (kind)
            {
                case LayerKind.Runtime: return "runtime";
                case LayerKind.Packages: return "packages";
                case LayerKind.ProjectReferences: return "project-references";
                case LayerKind.AppHost: return "app-host";
                default: return "app";
            }
        }

        /// <summary>The layer's plan file in the platform's layers/ folder (its record: .layer.json instead of .plan.json).</summary>
        public static string PlanFileName(this LayerKind kind) => (int)kind + "-" + kind.Name() + ".plan.json";

        public static string RecordFileName(this LayerKind kind) => (int)kind + "-" + kind.Name() + ".layer.json";
    }
}
