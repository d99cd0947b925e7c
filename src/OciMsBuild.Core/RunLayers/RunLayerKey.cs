using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.RunLayers
{
    /// <summary>
    /// What a run layer depends on: the base image (by digest), the platform, the commands, the
    /// bytes of their input files, the network switch and what decides the layer's bytes
    /// (compressor, timestamp). Equal keys reuse the layer without running anything.
    /// </summary>
    public static class RunLayerKey
    {
        private const string Version = "ocimsbuild-run-layer/1";

        public static string Compute(string baseDigest, Platform platform, IReadOnlyList<RunCommand> commands, bool network, string compressorIdentity, long mtimeSeconds)
        {
            var text = new StringBuilder()
                .Append(Version).Append(' ').Append(SupplyChain.ToolVersion.Current).Append('\n')
                .Append("base ").Append(baseDigest).Append('\n')
                .Append("platform ").Append(platform).Append('\n')
                .Append("network ").Append(network ? "on" : "off").Append('\n')
                .Append("compressor ").Append(compressorIdentity).Append('\n')
                .Append("mtime ").Append(mtimeSeconds).Append('\n');
            foreach (var command in commands)
            {
                text.Append("command ").Append(command.Command.Length).Append(' ').Append(command.Command).Append('\n');
                foreach (var input in command.InputFiles)
                    text.Append("input ").Append(Path.GetFileName(input)).Append(' ').Append(Digest.OfFile(input)).Append('\n');
            }
            using var sha = SHA256.Create();
            return Digest.Format(sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString())));
        }
    }
}
