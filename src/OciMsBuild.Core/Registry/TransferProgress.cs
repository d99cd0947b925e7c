using System;
using System.Diagnostics;
using System.Globalization;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// The log lines of one blob going up or down, shared by uploads and downloads:
    /// <code>
    /// OciMsBuild: uploading sha256:0123456789ab 12.0/80.0 MB      (at most once per interval, never for the last byte)
    /// OciMsBuild: uploaded sha256:0123456789ab 80.0 MB in 14.2 s  (at the end, when it took an interval or more, or is large)
    /// </code>
    /// (downloading / downloaded for downloads). One instance per blob, so parallel transfers each
    /// report their own; <see cref="Report"/> may be called from several threads.
    /// </summary>
    public sealed class TransferProgress
    {
        /// <summary>How often a long transfer reports when nobody says otherwise.</summary>
        public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(3);

        private readonly object _gate = new object();
        private readonly string _doing;
        private readonly string _done;
        private readonly string _digest;
        private readonly long _total;
        private readonly Action<string>? _log;
        private readonly TimeSpan _interval;
        private readonly long _largeSize;
        private readonly Func<TimeSpan> _clock;
        private readonly TimeSpan _start;
        private TimeSpan _lastReport;
        private bool _complete;

        private TransferProgress(string doing, string done, string digest, long total, Action<string>? log, TimeSpan interval, long largeSize, Func<TimeSpan>? clock)
        {
            _doing = doing;
            _done = done;
            _digest = digest.Length > 19 ? digest.Substring(0, 19) : digest; // "sha256:" + 12 hex
            _total = total;
            _log = log;
            _interval = interval;
            _largeSize = largeSize;
            if (clock == null)
            {
                var watch = Stopwatch.StartNew();
                clock = () => watch.Elapsed;
            }
            _clock = clock;
            _start = _lastReport = _clock();
        }

        /// <param name="largeSize">From this size the end is logged even when the upload was quick.</param>
        /// <param name="clock">Time since any fixed point (tests); a stopwatch started now by default.</param>
        public static TransferProgress Upload(string digest, long size, Action<string>? log, TimeSpan interval, long largeSize, Func<TimeSpan>? clock = null) =>
            new TransferProgress("uploading", "uploaded", digest, size, log, interval, largeSize, clock);

        /// <inheritdoc cref="Upload"/>
        public static TransferProgress Download(string digest, long size, Action<string>? log, TimeSpan interval, long largeSize, Func<TimeSpan>? clock = null) =>
            new TransferProgress("downloading", "downloaded", digest, size, log, interval, largeSize, clock);

        /// <summary>True once <see cref="Report"/> saw every byte: the transfer happened (a blob already in place reports nothing).</summary>
        public bool Complete { get { lock (_gate) return _complete; } }

        /// <summary>
        /// <paramref name="bytesDone"/> of the blob have moved. Logs a progress line when an interval has
        /// passed since the start or the last line; the whole size is never a progress line (the end is
        /// <see cref="Finish"/>'s). A retry starting over reports its smaller count as it is.
        /// </summary>
        public void Report(long bytesDone)
        {
            lock (_gate)
            {
                if (bytesDone >= _total)
                {
                    _complete = true;
                    return;
                }
                if (_log == null) return;
                var now = _clock();
                if (now - _lastReport < _interval) return;
                _lastReport = now;
                // Under the lock: a blob's lines come out in order.
                _log($"OciMsBuild: {_doing} {_digest} {Megabytes(bytesDone)}/{Megabytes(_total)} MB");
            }
        }

        /// <summary>After the transfer succeeded: the closing line, when it was long (an interval or more) or large, and every byte was reported.</summary>
        public void Finish()
        {
            lock (_gate)
            {
                if (!_complete || _log == null) return;
                var elapsed = _clock() - _start;
                if (elapsed >= _interval || _total >= _largeSize)
                    _log($"OciMsBuild: {_done} {_digest} {Megabytes(_total)} MB in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
            }
        }

        public static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
    }
}
