using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Build;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.Registry;
using RegistryNames = OciMsBuild.Core.Registry.RegistryNames;

namespace OciMsBuild.Tasks
{
    /// <summary>Pushes the built image, or image index and its platforms, to ContainerRegistry under every tag.</summary>
    public sealed class PushOciImage : OciRegistryTask
    {
        [Required] public string ImageRecordFile { get; set; } = "";
        [Required] public string BlobCachePath { get; set; } = "";
        [Required] public string Registry { get; set; } = "";
        [Required] public string Repository { get; set; } = "";
        public string[] Tags { get; set; } = new string[0];

        /// <summary>The image's RIDs: finds the runtime layers uploaded ahead for them (<see cref="PackOciRuntimeLayerEarly"/>).</summary>
        public string[] RuntimeIdentifiers { get; set; } = new string[0];

        /// <summary>Where the build tallies the bytes it uploaded (<see cref="UploadLedger"/>).</summary>
        public string? UploadLedgerFile { get; set; }

        [Output] public string PushedImage { get; private set; } = "";

        protected override void Run()
        {
            var registry = RegistryNames.Validate(Registry);
            WarnIfPasswordVariablesAreLogged(RegistryAccess.Push);
            var image = ImageSet.Load(ImageRecordFile);
            var store = new BlobStore(BlobCachePath);
            // A layer uploaded ahead is waited for, so the push's HEAD finds it instead of uploading it a second time.
            foreach (var rid in RuntimeIdentifiers)
                if (EarlyLayerPack.Take(BuildEngine, EarlyLayerPack.Key(BuildEngine?.ProjectFileOfTaskNode ?? "", rid, BlobCachePath)) is EarlyLayerPack early
                    && early.WaitUploaded(Cancellation.Token) is string note)
                    Log.LogMessage(MessageImportance.Normal, note);
            using var lease = Connect();
            var pusher = new ImagePusher(lease.Connections, store, message => Log.LogMessage(MessageImportance.Normal, message));
            var result = Wait(ct => pusher.PushAsync(image, registry, Repository, Tags.ToList(), ct));
            PushedImage = $"{registry}/{Repository}@{result.ManifestDigest}";
            UploadLedger.Record(UploadLedgerFile, result.BytesUploaded, "push " + result.ManifestDigest);
            var what = result.AlreadyUpToDate
                ? "already there, nothing uploaded"
                : result.ManifestPresent
                ? $"manifest already there, nothing uploaded, {result.TagsApplied} tag(s) applied"
                : $"{result.BlobsUploaded} blobs uploaded ({result.BytesUploaded / 1048576.0:0.0} MB), {result.BlobsMounted} mounted, {result.BlobsPresent} already present";
            Log.LogMessage(MessageImportance.High, "OciMsBuild: pushed {0}/{1}:{2} {3} ({4}; {5} requests{6})",
                registry, Repository, string.Join(",", Tags), result.ManifestDigest, what, result.Requests,
                result.Retries > 0 ? $", {result.Retries} retried" : "");
            if (result.AttestationFailure != null)
                Log.LogMessage(MessageImportance.High, "OciMsBuild: the image was pushed without its SBOM and provenance: the registry did not take them ({0}). They are in the OCI layout; ContainerGenerateSbom=false / ContainerGenerateProvenance=false stop making them.",
                    result.AttestationFailure);
        }
    }
}
