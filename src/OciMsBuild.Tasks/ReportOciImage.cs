using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using Newtonsoft.Json;
using OciMsBuild.Core.Output;

namespace OciMsBuild.Tasks
{
    /// <summary>
    /// Always runs, also when every other step was up to date: turns the summary into MSBuild
    /// outputs and prints the one line per image a user looks for.
    /// </summary>
    public sealed class ReportOciImage : OciTask
    {
        [Required] public string SummaryFile { get; set; } = "";
        /// <summary>REGISTRY/REPOSITORY@DIGEST when the image was pushed in this build, else empty.</summary>
        public string? PushedImage { get; set; }
        /// <summary>Where the manifest and config blobs are, for the JSON outputs.</summary>
        public string? BlobCachePath { get; set; }
        /// <summary>ContainerLoad: when set, the image is in the local engine and needs no hint.</summary>
        public string? Load { get; set; }
        /// <summary>The build's tally of uploaded bytes (<see cref="Core.Registry.UploadLedger"/>).</summary>
        public string? UploadLedgerFile { get; set; }

        /// <summary>Bytes this build sent to the registry: layers streamed while packed, uploaded ahead, and the push.</summary>
        [Output] public long BytesUploaded { get; private set; }
        [Output] public string ImageName { get; private set; } = "";
        [Output] public string ManifestDigest { get; private set; } = "";
        [Output] public string ConfigDigest { get; private set; } = "";
        [Output] public string[] Tags { get; private set; } = new string[0];
        [Output] public string LayoutDirectory { get; private set; } = "";
        [Output] public string ArchivePath { get; private set; } = "";
        /// <summary>The manifest (or image index) and the config as JSON text, as the SDK's GeneratedContainerManifest/Configuration.</summary>
        [Output] public string ManifestJson { get; private set; } = "";
        [Output] public string ConfigJson { get; private set; } = "";
        [Output] public string MediaType { get; private set; } = "";
        /// <summary>NAME:TAG for every tag.</summary>
        [Output] public string[] References { get; private set; } = new string[0];
        /// <summary>Multi-platform builds: one item per platform (Identity = manifest digest).</summary>
        [Output] public ITaskItem[] PlatformImages { get; private set; } = new ITaskItem[0];

        protected override void Run()
        {
            var summary = JsonConvert.DeserializeObject<BuildSummary>(File.ReadAllText(SummaryFile))!;
            ImageName = summary.Image;
            ManifestDigest = summary.Digest;
            ConfigDigest = summary.ConfigDigest ?? "";
            Tags = summary.Tags.ToArray();
            LayoutDirectory = summary.Outputs.Layout ?? "";
            ArchivePath = summary.Outputs.Archive ?? "";
            References = summary.Tags.Select(t => summary.Image + ":" + t).ToArray();
            if (!string.IsNullOrEmpty(BlobCachePath))
            {
                var store = new Core.Cache.BlobStore(BlobCachePath!);
                if (store.Contains(summary.Digest))
                {
                    ManifestJson = System.Text.Encoding.UTF8.GetString(store.ReadVerified(summary.Digest));
                    MediaType = (string?)Newtonsoft.Json.Linq.JObject.Parse(ManifestJson)["mediaType"] ?? "";
                }
                if (!string.IsNullOrEmpty(summary.ConfigDigest) && store.Contains(summary.ConfigDigest!))
                    ConfigJson = System.Text.Encoding.UTF8.GetString(store.ReadVerified(summary.ConfigDigest!));
            }
            BytesUploaded = string.IsNullOrEmpty(PushedImage) ? 0 : Core.Registry.UploadLedger.Total(UploadLedgerFile);
            if (!string.IsNullOrEmpty(UploadLedgerFile)) Core.Registry.UploadLedger.RemoveOldTallies(UploadLedgerFile!, TimeSpan.FromHours(1));
            var where = ReportLine.Destinations(PushedImage, LayoutDirectory, ArchivePath, SummaryFile, BytesUploaded);
            Log.LogMessage(MessageImportance.High, "OciMsBuild: {0}:{1} {2} ({3}) -> {4}",
                summary.Image, string.Join(",", summary.Tags), summary.Digest, summary.Platform, where);
            // Only a layout on disk: say how to get it into an engine.
            if (string.IsNullOrEmpty(PushedImage) && ArchivePath.Length == 0 && LayoutDirectory.Length > 0 && (string.IsNullOrEmpty(Load) || Load == "false"))
                Log.LogMessage(MessageImportance.High, "OciMsBuild: to run it, build with -p:ContainerLoad=docker (or podman), or copy it: skopeo copy oci:{0}:{1} docker-daemon:{2}:{1}",
                    LayoutDirectory, summary.Tags.FirstOrDefault() ?? "latest", summary.Image);
            PlatformImages = (summary.Platforms ?? new List<BuildSummary.PlatformImage>()).Select(p =>
            {
                var item = new TaskItem(p.Digest);
                item.SetMetadata("Platform", p.Platform);
                item.SetMetadata("RuntimeIdentifier", p.RuntimeIdentifier);
                item.SetMetadata("ConfigDigest", p.ConfigDigest);
                Log.LogMessage(MessageImportance.High, "OciMsBuild:   {0} ({1}) {2}", p.Platform, p.RuntimeIdentifier, p.Digest);
                return (ITaskItem)item;
            }).ToArray();
        }
    }
}
