using System;
using System.Collections.Generic;

namespace OciMsBuild.Core.Engines
{
    /// <summary>One <c>docker run</c> / <c>podman run</c> of an image that is already in the engine.</summary>
    public sealed class RunRequest
    {
        public RunRequest()
        {
        }

        public RunRequest(string image) => Image = image;

        /// <summary>Reference or ID of an image in the engine (required; never pulled: <c>--pull=never</c>).</summary>
        public string Image { get; set; } = "";

        /// <summary>
        /// Null: the image's own entrypoint. Otherwise it replaces the entrypoint (and the image's
        /// command), as container-structure-test does: the first item goes to <c>--entrypoint</c>,
        /// the rest, then <see cref="Args"/>, after the image. An empty array clears the entrypoint.
        /// </summary>
        public string[]? Entrypoint { get; set; }

        /// <summary>Arguments after the image (after the entrypoint's own ones). Empty: the image's command.</summary>
        public IList<string> Args { get; set; } = new List<string>();

        /// <summary><c>-e KEY=VALUE</c> each; values never appear in messages.</summary>
        public IDictionary<string, string> Environment { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public string? User { get; set; }

        public string? WorkingDirectory { get; set; }

        /// <summary>
        /// False (default): <c>--network none</c>. True: <c>--network host</c>, not the engine's default
        /// network: a private or CI dockerd may have no bridge (<c>--bridge=none</c>), and podman's
        /// default bridge, as root, creates interfaces and firewall rules on the machine.
        /// </summary>
        public bool Network { get; set; }

        /// <summary><c>--platform os/arch[/variant]</c>: the image must be of that platform (docker 20.10 and podman 4.3 both refuse a mismatch).</summary>
        public string? Platform { get; set; }

        /// <summary>Container name; null: a unique ocimsbuild-… name (see <see cref="RunResult.ContainerName"/>).</summary>
        public string? Name { get; set; }

        /// <summary>Keep the stopped container (no <c>--rm</c>) for Commit or Export; the caller removes it.</summary>
        public bool Keep { get; set; }

        /// <summary><c>-v host:container[:ro]</c> bind mounts.</summary>
        public IList<(string Host, string Container, bool ReadOnly)> Mounts { get; set; } = new List<(string Host, string Container, bool ReadOnly)>();

        /// <summary>When the container is stopped and removed (and <see cref="RunResult.TimedOut"/> set).</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);
    }
}
