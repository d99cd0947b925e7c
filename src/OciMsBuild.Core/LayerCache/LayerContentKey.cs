using System;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using OciMsBuild.Core.Layers;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.LayerCache
{
    /// <summary>
    /// The shared layer cache's key: everything that decides a layer blob's bytes and nothing about
    /// where the build runs. That is the whole <see cref="LayerPlan"/> (paths in the image, modes,
    /// link targets, uid/gid, mtime, compression settings: a field added to the plan later is covered
    /// too) with each source path replaced by the file's sha256 and size, plus the compressor's
    /// identity and the version of this library (a release that writes tars differently must not
    /// reuse another's layers: digests would then depend on what a machine had cached). The layer
    /// kind is left out: it names the layer, it is not in it.
    /// </summary>
    public static class LayerContentKey
    {
        /// <summary>Bump when the tar writer or this key's text changes, within one library version.</summary>
        public const int FormatVersion = 1;

        private static readonly string LibraryVersion =
            typeof(LayerContentKey).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(LayerContentKey).Assembly.GetName().Version?.ToString() ?? "unknown";

        /// <summary>The key's text; <paramref name="contentOf"/> gives the sha256 digest and size of a source file.</summary>
        public static string TextOf(LayerPlan plan, Func<string, (string Digest, long Size)> contentOf) =>
            TextOf(plan, contentOf, LayerPacker.CompressorIdentity(plan));

        /// <summary>With another compressor's identity: how tests see that a compressor change is a new key.</summary>
        internal static string TextOf(LayerPlan plan, Func<string, (string Digest, long Size)> contentOf, string compressorId)
        {
            // A copy through JSON: the caller's plan stays as it is.
            var content = OciJson.Parse<LayerPlan>(OciJson.ToText(plan));
            content.Kind = "";
            foreach (var entry in content.Entries)
            {
                if (entry.SourcePath == null) continue;
                var (digest, size) = contentOf(entry.SourcePath);
                entry.SourcePath = digest + " " + size;
            }
            return new StringBuilder()
                .Append("ocimsbuild-layer-key\t").Append(FormatVersion).Append('\n')
                .Append("library\t").Append(LibraryVersion).Append('\n')
                .Append("compressor\t").Append(compressorId).Append('\n')
                .Append("plan\t").Append(OciJson.ToText(content)).Append('\n')
                .ToString();
        }

        /// <summary>The key: sha256 of its text, as 64 hex digits (the index file's name).</summary>
        public static string Of(LayerPlan plan, Func<string, (string Digest, long Size)> contentOf) => Hash(TextOf(plan, contentOf));

        internal static string Hash(string keyText)
        {
            using var sha = SHA256.Create();
            return Digest.Hex(Digest.Format(sha.ComputeHash(Encoding.UTF8.GetBytes(keyText))));
        }
    }
}
