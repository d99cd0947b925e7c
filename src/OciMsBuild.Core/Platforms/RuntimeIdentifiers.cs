using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Platforms
{
    /// <summary>Maps .NET runtime identifiers to OCI platforms. Images are always Linux.</summary>
    public static class RuntimeIdentifiers
    {
        /// <summary>linux-x64, linux-musl-arm64, … (any RID whose OS part is linux or linux-musl, also distro RIDs like ubuntu.22.04-x64 are not accepted: .NET 8+ uses portable RIDs).</summary>
        public static bool IsLinux(string rid) =>
            rid.StartsWith("linux-", StringComparison.Ordinal) && TryArchitecture(rid, out _, out _);

        public static bool IsMusl(string rid) => rid.StartsWith("linux-musl-", StringComparison.Ordinal);

        /// <summary>The RID for the building machine's architecture: linux-x64, linux-arm64, …</summary>
        public static string ForHostArchitecture()
        {
            switch (RuntimeInformation.OSArchitecture)
            {
                case Architecture.Arm64: return "linux-arm64";
                case Architecture.Arm: return "linux-arm";
                case Architecture.X86: return "linux-x86";
                default: return "linux-x64";
            }
        }

        /// <summary>
        /// Chooses the image's RID: explicit ContainerRuntimeIdentifier, else the publish's
        /// Linux RID, else the host architecture's Linux RID.
        /// </summary>
        public static string Choose(string? containerRid, string? publishRid)
        {
            if (!string.IsNullOrWhiteSpace(containerRid))
            {
                var rid = containerRid!.Trim();
                if (!IsLinux(rid))
                    throw new OciException(ErrorCodes.NonLinuxRuntimeIdentifier,
                        $"ContainerRuntimeIdentifier '{rid}' is not a Linux runtime identifier. Container images are Linux: use one of linux-x64, linux-arm64, linux-arm, linux-musl-x64, linux-musl-arm64.");
                return rid;
            }
            if (!string.IsNullOrWhiteSpace(publishRid) && IsLinux(publishRid!.Trim())) return publishRid.Trim();
            return ForHostArchitecture();
        }

        /// <summary>
        /// Every RID an image is built for, the way the .NET SDK's container targets decide:
        /// ContainerRuntimeIdentifier (one image), else ContainerRuntimeIdentifiers (an index),
        /// else the publish's RID, else the Linux RIDs of the project's RuntimeIdentifiers, else
        /// the building machine's architecture. Order is kept; duplicates are dropped.
        /// </summary>
        public static IReadOnlyList<string> ChooseAll(string? containerRid, string? containerRids, string? publishRid, string? projectRids)
        {
            if (!string.IsNullOrWhiteSpace(containerRid)) return new[] { Choose(containerRid, publishRid) };
            var listed = Split(containerRids);
            if (listed.Count > 0)
            {
                var bad = listed.FirstOrDefault(r => !IsLinux(r));
                if (bad != null)
                    throw new OciException(ErrorCodes.NonLinuxRuntimeIdentifier,
                        $"ContainerRuntimeIdentifiers has '{bad}', which is not a Linux runtime identifier. Container images are Linux: use linux-x64, linux-arm64, linux-arm, linux-musl-x64 or linux-musl-arm64.");
                CheckDistinctPlatforms(listed, "ContainerRuntimeIdentifiers");
                return listed;
            }
            if (!string.IsNullOrWhiteSpace(publishRid)) return new[] { Choose(null, publishRid) };
            // The project's own RuntimeIdentifiers: only the Linux ones can be images (win-x64 is skipped).
            var fromProject = Split(projectRids).Where(IsLinux).ToList();
            if (fromProject.Count > 0)
            {
                CheckDistinctPlatforms(fromProject, "RuntimeIdentifiers");
                return fromProject;
            }
            return new[] { ForHostArchitecture() };
        }

        private static List<string> Split(string? list) =>
            (list ?? "").Split(';').Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();

        private static void CheckDistinctPlatforms(IReadOnlyList<string> rids, string property)
        {
            var clash = rids.GroupBy(r => ToPlatform(r).ToString()).FirstOrDefault(g => g.Count() > 1);
            if (clash != null)
                throw new OciException(ErrorCodes.DuplicatePlatform,
                    $"{property} has {string.Join(" and ", clash)}, which are both {clash.Key}: an image index holds one image per platform. Keep one of them (set ContainerRuntimeIdentifiers to choose), or build the other into its own repository or tag.");
        }

        public static Platform ToPlatform(string rid)
        {
            if (!TryArchitecture(rid, out var arch, out var variant))
                throw new OciException(ErrorCodes.NonLinuxRuntimeIdentifier,
                    $"Runtime identifier '{rid}' has no container platform. Use one of linux-x64, linux-arm64, linux-arm, linux-musl-x64, linux-musl-arm64.");
            return new Platform("linux", arch, variant);
        }

        private static bool TryArchitecture(string rid, out string arch, out string? variant)
        {
            variant = null;
            int dash = rid.LastIndexOf('-');
            var cpu = dash < 0 ? "" : rid.Substring(dash + 1);
            switch (cpu)
            {
                case "x64": arch = "amd64"; return true;
                case "arm64": arch = "arm64"; variant = "v8"; return true;
                case "arm": arch = "arm"; variant = "v7"; return true;
                case "x86": arch = "386"; return true;
                case "s390x": arch = "s390x"; return true;
                case "ppc64le": arch = "ppc64le"; return true;
                case "riscv64": arch = "riscv64"; return true;
                case "loongarch64": arch = "loong64"; return true;
                default: arch = ""; return false;
            }
        }
    }
}
