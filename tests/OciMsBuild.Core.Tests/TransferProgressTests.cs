using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using OciMsBuild.Core.Registry;

namespace OciMsBuild.Core.Tests
{
    /// <summary>
    /// The progress lines of one blob transfer (uploads and downloads share them): at most one per
    /// interval, never for the last byte, a closing line only for a long or large transfer that
    /// happened. A fake clock: no test sleeps.
    /// </summary>
    public class TransferProgressTests
    {
        private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        private const long MiB = 1024 * 1024;
        private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

        private TimeSpan _now;
        private List<string> _lines = null!;

        [SetUp]
        public void SetUp()
        {
            _now = TimeSpan.FromSeconds(100); // any fixed point: times count from the transfer's start
            _lines = new List<string>();
        }

        private void At(double seconds) => _now = TimeSpan.FromSeconds(100 + seconds);

        private TransferProgress Upload(long size, long largeSize = 100 * MiB) =>
            TransferProgress.Upload(Digest, size, _lines.Add, Interval, largeSize, () => _now);

        [Test]
        public void Reports_at_most_once_per_interval_and_never_the_whole_size_then_how_long_it_took()
        {
            var progress = Upload(10 * MiB);
            At(1); progress.Report(1 * MiB);
            At(2.9); progress.Report(2 * MiB);
            Assert.That(_lines, Is.Empty, "nothing before an interval has passed");
            At(3); progress.Report(3 * MiB);
            At(5); progress.Report(4 * MiB);
            At(5.9); progress.Report(5 * MiB);
            At(6.5); progress.Report(6 * MiB);
            At(20); progress.Report(10 * MiB);
            Assert.That(progress.Complete, Is.True);
            progress.Finish();
            Assert.That(_lines, Is.EqualTo(new[]
            {
                "OciMsBuild: uploading sha256:0123456789ab 3.0/10.0 MB",
                "OciMsBuild: uploading sha256:0123456789ab 6.0/10.0 MB",
                "OciMsBuild: uploaded sha256:0123456789ab 10.0 MB in 20.0 s",
            }), "the whole size, even long after the last line, is the closing line's");
        }

        [Test]
        public void Downloads_say_downloading_and_downloaded()
        {
            var progress = TransferProgress.Download(Digest, 4 * MiB, _lines.Add, Interval, 100 * MiB, () => _now);
            At(3.5); progress.Report(MiB + MiB / 2);
            At(4); progress.Report(4 * MiB);
            progress.Finish();
            Assert.That(_lines, Is.EqualTo(new[]
            {
                "OciMsBuild: downloading sha256:0123456789ab 1.5/4.0 MB",
                "OciMsBuild: downloaded sha256:0123456789ab 4.0 MB in 4.0 s",
            }));
        }

        [Test]
        public void The_closing_line_is_only_for_a_long_or_large_transfer_that_happened()
        {
            var quickSmall = Upload(MiB, largeSize: 16 * MiB);
            At(0.5); quickSmall.Report(MiB); quickSmall.Finish();
            Assert.That(_lines, Is.Empty, "quick and small: silent");

            var quickLarge = Upload(16 * MiB, largeSize: 16 * MiB);
            At(1); quickLarge.Report(16 * MiB); quickLarge.Finish();
            Assert.That(_lines, Is.EqualTo(new[] { "OciMsBuild: uploaded sha256:0123456789ab 16.0 MB in 0.5 s" }), "large: always said");

            _lines.Clear();
            var longSmall = Upload(MiB, largeSize: 16 * MiB);
            At(4); longSmall.Report(MiB); longSmall.Finish();
            Assert.That(_lines, Is.EqualTo(new[] { "OciMsBuild: uploaded sha256:0123456789ab 1.0 MB in 3.0 s" }), "an interval or more: said");

            _lines.Clear();
            var neverMoved = Upload(64 * MiB, largeSize: 16 * MiB);
            At(10); neverMoved.Finish();
            Assert.That(neverMoved.Complete, Is.False);
            Assert.That(_lines, Is.Empty, "the whole size never reported (a blob already in place): no closing line");
        }

        [Test]
        public void A_retry_that_starts_over_reports_its_own_count_and_no_log_is_fine()
        {
            var progress = Upload(10 * MiB);
            At(3); progress.Report(8 * MiB);
            At(6); progress.Report(1 * MiB); // a retry from the start
            Assert.That(_lines, Is.EqualTo(new[]
            {
                "OciMsBuild: uploading sha256:0123456789ab 8.0/10.0 MB",
                "OciMsBuild: uploading sha256:0123456789ab 1.0/10.0 MB",
            }));

            var silent = TransferProgress.Upload(Digest, 10 * MiB, null, TimeSpan.Zero, 0, () => _now);
            silent.Report(MiB);
            silent.Report(10 * MiB);
            silent.Finish();
            Assert.That(silent.Complete, Is.True);
        }

        [Test]
        public void Numbers_do_not_follow_the_culture()
        {
            var before = CultureInfo.CurrentCulture;
            try
            {
                CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
                var progress = Upload(10 * MiB);
                At(3.5); progress.Report(MiB + MiB / 2);
                progress.Report(10 * MiB);
                progress.Finish();
            }
            finally { CultureInfo.CurrentCulture = before; }
            Assert.That(_lines, Is.EqualTo(new[]
            {
                "OciMsBuild: uploading sha256:0123456789ab 1.5/10.0 MB",
                "OciMsBuild: uploaded sha256:0123456789ab 10.0 MB in 3.5 s",
            }));
        }

        [Test]
        public void Reports_from_many_threads_still_come_one_at_a_time_an_interval_apart()
        {
            // Every clock reading moves time on by 1 ms; reports race from 8 threads.
            long ticks = 0;
            var interval = TimeSpan.FromMilliseconds(50);
            var times = new List<TimeSpan>();
            int inside = 0, overlapped = 0;
            TimeSpan lastRead = TimeSpan.Zero;
            Func<TimeSpan> clock = () => lastRead = TimeSpan.FromMilliseconds(Interlocked.Increment(ref ticks));
            var progress = TransferProgress.Download(Digest, long.MaxValue, line =>
            {
                if (Interlocked.Increment(ref inside) > 1) Interlocked.Increment(ref overlapped);
                times.Add(lastRead); // the reading this line was decided on (the clock is read under the same lock)
                Thread.SpinWait(100);
                Interlocked.Decrement(ref inside);
            }, interval, long.MaxValue, clock);
            long done = 0;

            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            {
                for (int i = 0; i < 2000; i++) progress.Report(Interlocked.Add(ref done, 1000));
            });

            Assert.That(overlapped, Is.Zero, "the log is never called by two threads at once");
            Assert.That(times.Count, Is.GreaterThan(1));
            var elapsed = TimeSpan.FromMilliseconds(Interlocked.Read(ref ticks));
            Assert.That(times.Count, Is.LessThanOrEqualTo((int)(elapsed.Ticks / interval.Ticks) + 1));
            for (int i = 1; i < times.Count; i++)
                Assert.That(times[i] - times[i - 1], Is.GreaterThanOrEqualTo(interval), $"line {i}");
        }
    }
}
