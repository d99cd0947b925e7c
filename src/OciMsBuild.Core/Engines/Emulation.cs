using System.IO;
using System.Linq;

namespace OciMsBuild.Core.Engines
{
    /// <summary>
    /// Whether this machine can run another architecture's programs: a QEMU interpreter registered
    /// in binfmt_misc (what `docker run` and `podman run` of a foreign image rely on).
    /// </summary>
    public static class Emulation
    {
        private const string BinfmtDirectory = "/proc/sys/fs/binfmt_misc";

        /// <summary>The name QEMU and binfmt_misc use for an OCI architecture.</summary>
        public static string QemuName(string ociArchitecture) => ociArchitecture switch
        {
            "arm64" => "aarch64",
            "amd64" => "x86_64",
            "386" => "i386",
            "arm" => "arm",
            _ => ociArchitecture,
        };

        /// <summary>Null when programs of <paramref name="ociArchitecture"/> can run here; otherwise why not.</summary>
        public static string? WhyCannotRun(string ociArchitecture, string? engineArchitecture)
        {
            if (engineArchitecture == null || Normalise(engineArchitecture) == ociArchitecture) return null;
            var qemu = QemuName(ociArchitecture);
            var entry = Path.Combine(BinfmtDirectory, "qemu-" + qemu);
            try
            {
                if (File.Exists(entry) && File.ReadLines(entry).FirstOrDefault() == "enabled") return null;
            }
            catch (IOException) { }
            catch (System.UnauthorizedAccessException) { }
            return $"the engine runs {engineArchitecture} and no QEMU interpreter for {qemu} is registered in binfmt_misc ({entry})";
        }

        /// <summary>Engines print their architecture in Go's names (amd64, arm64) or the kernel's (x86_64, aarch64).</summary>
        public static string Normalise(string architecture) => architecture switch
        {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            _ => architecture,
        };
    }
}
