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
        /// <summary>
        /// The CPU part of every Linux RID an image can be for (<see cref="TryArchitecture"/> maps each to its OCI architecture).
        /// Each one, as linux-CPU and linux-musl-CPU, is in the .NET SDK's portable RID graph
        /// (PortableRuntimeIdentifierGraph.json), so restore and publish accept it. The evaluation
        /// in build/OciMsBuild.targets (_OciImageRidArchs) lists the same CPUs: a RID outside the set
        /// never reaches restore, and this class reports it (OCI1012) instead of the SDK's NETSDK1083.
        /// </summary>
        private static readonly string[] Cpus = { "x64", "arm64", "arm", "x86", "s390x", "ppc64le", "riscv64", "loongarch64" };

        /// <summary>What a user may write, for the messages.</summary>
        public const string ValidRids = "linux-x64, linux-arm64, linux-arm, linux-x86, linux-s390x, linux-ppc64le, linux-riscv64, linux-loongarch64 and their linux-musl- forms (linux-musl-x64, linux-musl-arm64, …)";

        /// <summary>
        /// linux-CPU or linux-musl-CPU for a CPU of <see cref="Cpus"/>: the RIDs with a container platform
        /// and a base image family. Others are refused before restore: made-up ones (linux-foo) would
        /// fail there with NETSDK1083; distro RIDs (ubuntu.22.04-x64), Android's linux-bionic-* and
        /// rare CPUs of the RID graph (linux-armel, linux-armv6, linux-mips64) have no image platform here.
        /// </summary>
        public static bool IsLinux(string rid)
        {
            var rest = rid.StartsWith("linux-musl-", StringComparison.Ordinal) ? rid.Substring("linux-musl-".Length)
                     : rid.StartsWith("linux-", StringComparison.Ordinal) ? rid.Substring("linux-".Length)
                     : null;
            return rest != null && Array.IndexOf(Cpus, rest) >= 0;
        }

        /// <summary>Why <paramref name="rid"/> cannot be an image's RID, and what can: an OCI1012 message that starts with <paramref name="subject"/> ("ContainerRuntimeIdentifier 'linux-foo' is").</summary>
        private static string Rejection(string subject, string rid) =>
            rid.StartsWith("linux-", StringComparison.Ordinal)
                ? $"{subject} not a Linux runtime identifier OciMsBuild can build an image for (unknown to the .NET SDK, like 'linux-foo', or without a container platform, like linux-bionic-*). Use one of {ValidRids}."
                : $"{subject} not a Linux runtime identifier. Container images are Linux: use one of {ValidRids}.";

        public static bool IsMusl(string rid) => rid.StartsWith("linux-musl-", StringComparison.Ordinal);

        /// <summary>The RID for the building machine's architecture: linux-x64, linux-arm64, …</summary>
        public static string ForHostArchitecture()
        {
            // The name the targets compute at evaluation (linux-$(OSArchitecture) lower-cased), so both
            // pick the same RID; at run time the enum also has S390x, Ppc64le, RiscV64 and LoongArch64.
            var rid = "linux-" + RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
            return IsLinux(rid) ? rid : "linux-x64";
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
                    throw new OciException(ErrorCodes.NonLinuxRuntimeIdentifier, Rejection($"ContainerRuntimeIdentifier '{rid}' is", rid));
                return rid;
            }
            if (!string.IsNullOrWhiteSpace(publishRid) && IsLinux(publishRid!.Trim())) return publishRid.Trim();
            return ForHostArchitecture();
        }

        /// <summary>
        /// Every RID an image is built for, the way the .NET SDK's container targets decide:
        /// ContainerRuntimeIdentifier (one image), else ContainerRuntimeIdentifiers (an index),
        /// else the publish's RID, else the Linux RIDs of the project's RuntimeIdentifiers, else
        /// the building machine's architecture. Order is kept; duplicates are dropped, so
        /// 'linux-x64;linux-x64' is the one image linux-x64 gives (build/OciMsBuild.targets'
        /// _OciMultiPlatform counts distinct entries the same way).
        /// </summary>
        public static IReadOnlyList<string> ChooseAll(string? containerRid, string? containerRids, string? publishRid, string? projectRids)
        {
            if (!string.IsNullOrWhiteSpace(containerRid)) return new[] { Choose(containerRid, publishRid) };
            var listed = Split(containerRids);
            if (listed.Count > 0)
            {
                var bad = listed.FirstOrDefault(r => !IsLinux(r));
                if (bad != null)
                    throw new OciException(ErrorCodes.NonLinuxRuntimeIdentifier, Rejection($"ContainerRuntimeIdentifiers has '{bad}', which is", bad));
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
                    $"Runtime identifier '{rid}' has no container platform. Use one of {ValidRids}.");
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
