using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Core.SupplyChain
{
    /// <summary>
    /// The SBOM a registry base carries as a referrer (SPDX), found once per base manifest and kept in
    /// the blob store: a record under referrers/ names the SBOM blob, or says there is none, so later
    /// builds ask the registry nothing. Our SBOM then lists the base's packages too.
    /// </summary>
    public static class BaseSbom
    {
        private const string None = "none";

        private static string RecordPath(BlobStore store, string manifestDigest) =>
            Path.Combine(store.Root, "referrers", Digest.Hex(manifestDigest) + ".spdx");

        /// <summary>Looks the base's SBOM up unless an earlier build did. Best effort: a failure only leaves it out (and is asked again next time).</summary>
        /// <param name="log">Hears the download's progress when it is long (see <see cref="TransferProgress"/>).</param>
        public static async Task<string> EnsureAsync(RegistryClient client, BlobStore store, string repository, string manifestDigest, CancellationToken ct,
            Action<string>? log = null)
        {
            var record = RecordPath(store, manifestDigest);
            if (File.Exists(record)) return "known";
            var found = (await client.GetReferrersAsync(repository, manifestDigest, SpdxDocument.MediaType, ct).ConfigureAwait(false))
                .OrderBy(d => d.Digest, StringComparer.Ordinal).FirstOrDefault();
            string? sbomDigest = null;
            if (found != null)
            {
                ImageManifest manifest;
                try { manifest = OciJson.Parse<ImageManifest>((await client.GetManifestAsync(repository, found.Digest, ct).ConfigureAwait(false)).Bytes); }
                catch (Newtonsoft.Json.JsonException) { manifest = new ImageManifest(); }
                var layer = manifest.Layers.FirstOrDefault(l => l.MediaType == SpdxDocument.MediaType);
                if (layer != null && manifest.Subject?.Digest == manifestDigest)
                {
                    await BaseLayerFetcher.DownloadAsync(client, repository, layer, store, log, TransferProgress.DefaultInterval, ct).ConfigureAwait(false);
                    sbomDigest = layer.Digest;
                }
            }
            AtomicFile.WriteIfChanged(record, (sbomDigest ?? None) + "\n");
            return sbomDigest == null ? "none" : "fetched " + sbomDigest;
        }

        /// <summary>What the lookup recorded for a base manifest: its SBOM digest, "none", or null when never looked up.</summary>
        public static string? RecordOf(BlobStore store, string manifestDigest)
        {
            var record = RecordPath(store, manifestDigest);
            return File.Exists(record) ? File.ReadAllText(record).Trim() : null;
        }

        /// <summary>The packages of the base's SBOM, when a build found one and the store still has it.</summary>
        public static IReadOnlyList<JObject> PackagesOf(BlobStore store, string? manifestDigest)
        {
            if (manifestDigest == null) return new JObject[0];
            var record = RecordPath(store, manifestDigest);
            if (!File.Exists(record)) return new JObject[0];
            var digest = File.ReadAllText(record).Trim();
            if (digest == None || !Digest.IsValid(digest) || !store.Contains(digest)) return new JObject[0];
            try
            {
                var document = JObject.Parse(System.Text.Encoding.UTF8.GetString(store.ReadVerified(digest)));
                return (document["packages"] as JArray)?.OfType<JObject>().ToList() ?? (IReadOnlyList<JObject>)new JObject[0];
            }
            catch (Newtonsoft.Json.JsonException) { return new JObject[0]; }
        }
    }
}
