using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Registry;
using OciMsBuild.Testing.Registry;

namespace OciMsBuild.Registry.Tests.Client
{
    /// <summary>
    /// Long uploads and downloads over a slow link (a proxy that throttles blob bodies, in front of the
    /// real registry) log "uploading|downloading sha256:… done/total MB" at most once per interval and
    /// an "uploaded|downloaded … MB in N s" line at the end, through the paths the tasks use.
    /// </summary>
    [TestFixture]
    public sealed class ProgressTests : ClientFixture
    {
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

        /// <summary>Bytes per second of the slow link: a few MB take several seconds.</summary>
        private const long SlowLink = 1_200_000;

        /// <summary>
        /// Uploads go faster: the sender's socket and the proxy's Kestrel buffer take the first few MB
        /// at once (a client reports what it handed to the connection), so the blob is larger and the
        /// link faster to still take several seconds past that.
        /// </summary>
        private const long SlowUplink = 1_600_000;

        /// <summary>The log as the task would see it, with when each line came.</summary>
        private sealed class TimedLog
        {
            private readonly Stopwatch _clock = Stopwatch.StartNew();
            private readonly List<(TimeSpan At, string Line)> _lines = new();

            public void Add(string line) { lock (_lines) _lines.Add((_clock.Elapsed, line)); }

            public IReadOnlyList<(TimeSpan At, string Line)> Lines { get { lock (_lines) return _lines.ToList(); } }

            public override string ToString() => string.Join("\n", Lines.Select(l => $"{l.At.TotalSeconds,6:0.00} s  {l.Line}"));
        }

        [TestCase(false, TestName = "Long_upload_in_one_PUT_logs_progress_at_most_every_interval_and_the_time_it_took")]
        [TestCase(true, TestName = "Long_upload_in_chunks_logs_progress_at_most_every_interval_and_the_time_it_took")]
        public async Task Long_upload_logs_progress(bool chunked)
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            var image = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["big.bin"] = BuiltImages.Noise(12_000_000, 41) });
            var layer = image.Layers.Single();
            proxy.Inject(r => r.IsBlobUpload && (r.Method == "PUT" || r.Method == "PATCH"), Fault.Throttle(SlowUplink), times: int.MaxValue);
            // Chunked: 1 MiB PATCHes (each reports as it is sent too); else the default 16 MiB chunk, i.e. one PUT.
            using var connections = Connect(FastOptions(o => { if (chunked) o.ChunkSize = 1024 * 1024; }));
            var log = new TimedLog();

            var result = await new ImagePusher(connections, Store, log.Add, Interval).PushAsync(image, proxy.Host, "slow/up", new[] { "1" });

            TestContext.Out.WriteLine(log);
            Assert.That(result.BlobsUploaded, Is.EqualTo(2), "config + layer");
            Assert.That(proxy.Count("PATCH", "/blobs/uploads/"), chunked ? Is.GreaterThanOrEqualTo(12) : Is.Zero);
            AssertProgress(log.Lines, "uploading", "uploaded", layer, SlowUplink);
            Assert.That(log.Lines.Any(l => l.Line.Contains(image.Config.Digest.Substring(0, 19))), Is.False, "a quick, small blob (the config) logs nothing");
        }

        [Test]
        public async Task Long_base_layer_downloads_in_parallel_each_log_their_own_progress_and_the_time_they_took()
        {
            using var registry = RegistryServer.StartAnonymous();
            using var proxy = FaultProxy.Start(registry.Host);
            using var connections = Connect();
            Func<RegistryClient> pull = () => connections.Client(proxy.Host, RegistryAccess.Pull);
            // A base of two large layers: one image over another, both pushed to the registry.
            var lower = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["lower.bin"] = BuiltImages.Noise(4_000_000, 42) });
            var pusher = new ImagePusher(connections, Store);
            await pusher.PushAsync(lower, proxy.Host, "base/two", new[] { "lower" });
            var lowerRef = ImageReference.Parse($"{proxy.Host}/base/two:lower", "base");
            var reader = new RegistryBaseReader(Store);
            var lowerPin = await reader.PinAsync(lowerRef, BuiltImages.Amd64, PullPolicy.Always, pull);
            var upper = BuiltImages.Build(Store, Work, new Dictionary<string, byte[]> { ["upper.bin"] = BuiltImages.Noise(3_000_000, 43) },
                reader.ReadFromStore(lowerRef, lowerPin, BuiltImages.Amd64, lowerRef.ToString()));
            await pusher.PushAsync(upper, proxy.Host, "base/two", new[] { "1" });

            // The app, in a store of its own, is built over it without the base's layers.
            var appStore = new OciMsBuild.Core.Cache.BlobStore(System.IO.Path.Combine(Work, "app-store"));
            var appReader = new RegistryBaseReader(appStore);
            var reference = ImageReference.Parse($"{proxy.Host}/base/two:1", "base");
            var pinned = await appReader.PinAsync(reference, BuiltImages.Amd64, PullPolicy.Always, pull);
            var app = BuiltImages.Small(appStore, Work, "app", appReader.ReadFromStore(reference, pinned, BuiltImages.Amd64, reference.ToString()));
            var baseLayers = BaseLayerFetcher.Missing(app, appStore);
            Assert.That(baseLayers, Has.Count.EqualTo(2));

            proxy.Inject(r => r.IsBlob && r.Method == "GET", Fault.Throttle(SlowLink), times: int.MaxValue);
            var log = new TimedLog();
            var clock = Stopwatch.StartNew();
            Assert.That(await BaseLayerFetcher.EnsureAsync(app, appStore, connections, log.Add, default, PullPolicy.Always, Interval), Is.EqualTo(2));
            var took = clock.Elapsed;

            TestContext.Out.WriteLine(log);
            Assert.That(BaseLayerFetcher.Missing(app, appStore), Is.Empty);
            foreach (var layer in baseLayers)
            {
                appStore.Verify(layer.Digest);
                Assert.That(log.Lines.Count(l => l.Line.StartsWith($"OciMsBuild: downloading base layer {layer.Digest} ")), Is.EqualTo(1));
                AssertProgress(log.Lines, "downloading", "downloaded", layer, SlowLink);
            }
            // Both at once (ParallelUploads 3): together they take about as long as the larger one alone.
            var alone = baseLayers.Max(l => l.Size) / (double)SlowLink;
            var oneAfterTheOther = baseLayers.Sum(l => l.Size) / (double)SlowLink;
            Assert.That(took.TotalSeconds, Is.LessThan((alone + oneAfterTheOther) / 2), "the layers downloaded in parallel");

            // Nothing left to download: no line at all.
            var again = new TimedLog();
            Assert.That(await BaseLayerFetcher.EnsureAsync(app, appStore, connections, again.Add, default, PullPolicy.Always, Interval), Is.Zero);
            Assert.That(again.Lines, Is.Empty);
        }

        /// <summary>
        /// The lines about <paramref name="blob"/>: several "doing … done/total MB", each with done below
        /// the total (to the 0.1 MB shown) and the right total, done never going back, at least about an
        /// interval apart; then one "done … total MB in N s" after them. Lines naming the whole digest
        /// (BaseLayerFetcher's "downloading base layer sha256:…") are not progress lines.
        /// </summary>
        private static void AssertProgress(IReadOnlyList<(TimeSpan At, string Line)> log, string doing, string done, Descriptor blob, long bytesPerSecond)
        {
            var digest = blob.Digest.Substring(0, 19);
            var total = TransferProgress.Megabytes(blob.Size);
            var totalMb = double.Parse(total, CultureInfo.InvariantCulture);
            var progressLine = new Regex($"^OciMsBuild: {doing} {Regex.Escape(digest)} (?<done>[0-9]+\\.[0-9])/(?<total>[0-9]+\\.[0-9]) MB$");
            var finalLine = new Regex($"^OciMsBuild: {done} {Regex.Escape(digest)} (?<total>[0-9]+\\.[0-9]) MB in (?<seconds>[0-9]+\\.[0-9]) s$");
            var about = log.Where(l => l.Line.Contains(digest + " ")).ToList(); // not the lines with the whole digest
            var progress = about.Where(l => progressLine.IsMatch(l.Line)).ToList();
            var final = about.Where(l => finalLine.IsMatch(l.Line)).ToList();
            Assert.That(about.Count, Is.EqualTo(progress.Count + final.Count), "no other line names the blob's short digest");

            Assert.That(progress.Count, Is.GreaterThanOrEqualTo(2), $"several progress lines for {blob.Digest} ({total} MB)");
            double previous = 0;
            TimeSpan? previousAt = null;
            foreach (var (at, line) in progress)
            {
                var m = progressLine.Match(line);
                var doneMb = double.Parse(m.Groups["done"].Value, CultureInfo.InvariantCulture);
                Assert.That(m.Groups["total"].Value, Is.EqualTo(total), line);
                Assert.That(doneMb, Is.LessThanOrEqualTo(totalMb).And.GreaterThanOrEqualTo(previous), line);
                if (previousAt is TimeSpan before)
                    Assert.That(at - before, Is.GreaterThanOrEqualTo(Interval - TimeSpan.FromMilliseconds(100)), $"'{line}' came {(at - before).TotalSeconds:0.00} s after the previous line");
                previous = doneMb;
                previousAt = at;
            }
            Assert.That(progress.Select(p => p.Line).Distinct().Count(), Is.GreaterThan(1), "done moves");

            Assert.That(final, Has.Count.EqualTo(1), $"one closing line for {blob.Digest}");
            var closing = finalLine.Match(final[0].Line);
            Assert.That(closing.Groups["total"].Value, Is.EqualTo(total));
            Assert.That(final[0].At, Is.GreaterThanOrEqualTo(progress.Last().At), "the closing line comes last");
            var seconds = double.Parse(closing.Groups["seconds"].Value, CultureInfo.InvariantCulture);
            Assert.That(seconds, Is.GreaterThanOrEqualTo(progress.Count * Interval.TotalSeconds - 0.2), "each progress line took an interval");
            Assert.That(seconds, Is.GreaterThanOrEqualTo(blob.Size / (double)bytesPerSecond * 0.5), "about the time the slow link needs");
        }
    }
}
