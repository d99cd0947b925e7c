using Microsoft.Build.Framework;
using OciMsBuild.Core.Platforms;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Multi-platform builds: maps the RID-specific obj/ folder to the RID-less one in PathMap, so
    /// the app's assembly and pdb are byte-identical on every platform (and its app layer shared).
    /// </summary>
    public sealed class MapOciRidIntermediatePath : OciTask
    {
        public string? PathMap { get; set; }
        [Required] public string RidIntermediatePath { get; set; } = "";
        [Required] public string NeutralIntermediatePath { get; set; } = "";

        [Output] public string ResultPathMap { get; private set; } = "";

        protected override void Run() => ResultPathMap = PathMaps.Prepend(PathMap, RidIntermediatePath, NeutralIntermediatePath);
    }
}
