using System.IO;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Output;
using OciMsBuild.Core.Platforms;
using OciMsBuild.Core.Registry;
using OciMsBuild.Core.Sources;
using OciMsBuild.Core.SupplyChain;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Runs on every build for a registry base: pins the reference to a digest (one small request
    /// for a tag; none for a cached digest) and caches its manifests and config. The pin goes to a
    /// file rewritten only when it changes, so the image step rebuilds exactly when the base moved.
    /// </summary>
    public sealed class ResolveOciBaseImage : OciRegistryTask
    {
        [Required] public string BaseImage { get; set; } = "";
        [Required] public string RuntimeIdentifier { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string PinFile { get; set; } = "";
        public string? PullPolicy { get; set; }
        public string? ProjectDirectory { get; set; }
        /// <summary>With UpdateLock, where the tag's digest and this platform's manifest digest are recorded.</summary>
        public string? LockFile { get; set; }
        public bool UpdateLock { get; set; }
        /// <summary>Look up the base's own SBOM (once per base digest) for ours to list its packages.</summary>
        public bool FetchBaseSbom { get; set; }
        /// <summary>Where what the lookup found is written (rewritten only when it changes): an input of the image step.</summary>
        public string? BaseSbomFile { get; set; }

        [Output] public string PinnedDigest { get; private set; } = "";

        protected override void Run()
        {
            var location = BaseImageLocation.Parse(BaseImage, ProjectDirectory ?? Directory.GetCurrentDirectory());
            var policy = PullPolicies.Parse(PullPolicy);
            if (location.Transport != BaseTransport.Registry) return;
            WarnIfPasswordVariablesAreLogged(RegistryAccess.Pull);
            var platform = RuntimeIdentifiers.ToPlatform(RuntimeIdentifier);
            var reference = location.Reference!;
            var prefetch = BasePrefetch.Take(BuildEngine, BasePrefetch.Key(BaseImage, RuntimeIdentifier, BlobCachePath, PullPolicy));
            string? prefetched;
            try { prefetched = prefetch?.Wait(Cancellation.Token); }
            catch (Core.Errors.OciException)
            {
                // What the background attempts said (retries) comes before the error they ended in.
                foreach (var message in prefetch!.Messages) Log.LogMessage(MessageImportance.Normal, message);
                throw;
            }
            RegistryBaseReader reader;
            if (prefetched != null)
            {
                reader = prefetch!.Reader;
                PinnedDigest = prefetched;
                foreach (var message in prefetch.Messages) Log.LogMessage(MessageImportance.Normal, message);
            }
            else
            {
                // No prefetch on this node, or it failed: resolve here, where errors are reported.
                reader = new RegistryBaseReader(new BlobStore(BlobCachePath));
                using var lease = Connect();
                PinnedDigest = Wait(ct => reader.PinAsync(reference, platform, policy, () => lease.Connections.Client(reference.Registry, RegistryAccess.Pull), ct));
            }
            var store = reader.Store;
            AtomicFile.WriteIfChanged(PinFile, (reference.Digest != null ? reference.ToString() : reference + "@" + PinnedDigest) + "\n");
            if (UpdateLock && !string.IsNullOrEmpty(LockFile) && BaseLock.KeyOf(reference) is string key)
            {
                var lockPath = Path.GetFullPath(LockFile);
                var manifestDigest = reader.ReadFromStore(reference, PinnedDigest, platform, key).ManifestDigest!;
                var changed = BaseLock.Record(lockPath, key, PinnedDigest, platform.ToString(), manifestDigest, Cancellation.Token);
                Log.LogMessage(MessageImportance.High, "OciMsBuild: {0}: {1} → {2} ({3} {4}){5}", lockPath, key, PinnedDigest, platform, manifestDigest, changed ? "" : ", unchanged");
            }
            if (FetchBaseSbom && !string.IsNullOrEmpty(BaseSbomFile))
            {
                // What the lookup found is an input of the image step: a later successful lookup rebuilds the SBOM.
                string found;
                if (policy == Core.Registry.PullPolicy.Never) found = "not looked up (ContainerBaseImagePullPolicy=Never)";
                else
                {
                    var baseManifest = reader.ReadFromStore(reference, PinnedDigest, platform, reference.ToString()).ManifestDigest!;
                    try
                    {
                        using var sbomLease = Connect();
                        found = Wait(ct => BaseSbom.EnsureAsync(sbomLease.Connections.Client(reference.Registry, RegistryAccess.Pull), store, reference.Repository, baseManifest, ct,
                            m => Log.LogMessage(MessageImportance.Normal, m)));
                        found = BaseSbom.RecordOf(store, baseManifest) ?? found;
                    }
                    catch (System.Exception e) when (!(e is System.OperationCanceledException))
                    {
                        // Only our SBOM's completeness depends on it: never fail the build for it.
                        found = "lookup failed";
                        Log.LogMessage(MessageImportance.Normal, "OciMsBuild: the base's own SBOM could not be looked up ({0}); the SBOM lists the base by digest only.", e.Message);
                    }
                }
                AtomicFile.WriteIfChanged(BaseSbomFile!, found + "\n");
                Log.LogMessage(MessageImportance.Low, "OciMsBuild: base SBOM: {0}", found);
            }
            if (reader.Refetched.Count > 0)
                Log.LogMessage(MessageImportance.Normal, "OciMsBuild: rebuilding what the cache lost (blob store {0}): base {1}: {2} damaged (removed) → fetched again.",
                    store.Root, reference, string.Join(", ", reader.Refetched));
            Log.LogMessage(MessageImportance.Low, "OciMsBuild: base {0} is {1} ({2} registry requests{3})", reference, PinnedDigest, reader.Fetches,
                prefetched != null ? ", resolved in the background while the project built" : "");
        }
    }
}
