using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// A throw-away, fully private podman configuration (what tests/scripts/podman-common.sh's
    /// podman_setup writes, see the reasons there): containers.conf with cgroupfs, file events, runc
    /// and ulimits within the hard limits; vfs storage in a temp dir. Pass <see cref="Environment"/>
    /// to every podman (and skopeo containers-storage:) command. Dispose removes the store's
    /// containers, unmounts what podman left below the dir and deletes it.
    /// </summary>
    public sealed class PrivatePodman : IDisposable
    {
        private PrivatePodman(string directory)
        {
            Directory = directory;
            Environment = new Dictionary<string, string?>
            {
                ["CONTAINERS_CONF"] = Path.Combine(directory, "containers.conf"),
                ["CONTAINERS_STORAGE_CONF"] = Path.Combine(directory, "storage.conf"),
                // podman and skopeo unpack archives to $TMPDIR (default /var/tmp): keep even crash leftovers here.
                ["TMPDIR"] = Path.Combine(directory, "tmp"),
                // A podman that talks to this store, never to a remote service.
                ["CONTAINER_HOST"] = null,
            };
        }

        public string Directory { get; }

        /// <summary>Variables to set for podman: the private configuration (and CONTAINER_HOST removed).</summary>
        public IReadOnlyDictionary<string, string?> Environment { get; }

        public static PrivatePodman Create()
        {
            TestEnvironment.RequireTool("podman");
            TestEnvironment.RequireTool("runc");
            var directory = Path.Combine(Path.GetTempPath(), "ocimsbuild-podman-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            foreach (var sub in new[] { "tmp", "volumes", "networks" }) System.IO.Directory.CreateDirectory(Path.Combine(directory, sub));
            var nofile = HardLimit("-Hn", 1048576, long.MaxValue);
            var nproc = HardLimit("-Hu", 4096, 4096);
            File.WriteAllText(Path.Combine(directory, "containers.conf"), $@"[containers]
default_ulimits = [""nofile={nofile}:{nofile}"", ""nproc={nproc}:{nproc}""]
[engine]
cgroup_manager = ""cgroupfs""
events_logger = ""file""
runtime = ""runc""
tmp_dir = ""{directory}/tmp""
volume_path = ""{directory}/volumes""
image_copy_tmp_dir = ""{directory}/tmp""
[network]
network_config_dir = ""{directory}/networks""
");
            File.WriteAllText(Path.Combine(directory, "storage.conf"), $@"[storage]
driver = ""vfs""
graphroot = ""{directory}/root""
runroot = ""{directory}/run""
");
            return new PrivatePodman(directory);
        }

        public ProcessResult Podman(params string[] args) =>
            ProcessRunner.Run("podman", args, TestEnvironment.RepoRoot, Environment.ToDictionary(p => p.Key, p => p.Value), TimeSpan.FromMinutes(5));

        public void Dispose()
        {
            if (!System.IO.Directory.Exists(Directory)) return;
            // Only containers of this private store (CONTAINERS_STORAGE_CONF): never the machine's.
            Podman("rm", "-a", "-f", "-t", "0");
            // E.g. a container's shm tmpfs under runroot if podman was killed; deepest first.
            var prefix = Directory + "/";
            var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 4 && f[4].StartsWith(prefix, StringComparison.Ordinal))
                .Select(f => f[4]).OrderByDescending(m => m, StringComparer.Ordinal);
            foreach (var mount in mounts) ProcessRunner.Run("umount", new[] { "-l", mount }, timeout: TimeSpan.FromSeconds(30));
            try
            {
                System.IO.Directory.Delete(Directory, true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        // The ulimit hard limit of this process (podman's defaults exceed it: "setrlimit RLIMIT_NOFILE: Operation not permitted").
        private static long HardLimit(string flag, long whenUnlimited, long cap)
        {
            var output = ProcessRunner.Run("sh", new[] { "-c", "ulimit " + flag }, timeout: TimeSpan.FromSeconds(10)).Output.Trim();
            var value = output == "unlimited" || !long.TryParse(output, out var parsed) ? whenUnlimited : parsed;
            return Math.Min(value, cap);
        }
    }
}
