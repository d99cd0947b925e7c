using System;
using System.Threading;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// "The next <c>times</c> requests matching this predicate get this fault" (int.MaxValue: every one).
    /// Rules are consulted in the order they were added; the first with uses left wins.
    /// </summary>
    public sealed class FaultRule
    {
        private int _remaining;
        private int _hits;

        internal FaultRule(Func<ProxiedRequest, bool> match, Fault fault, int times)
        {
            if (times < 1) throw new ArgumentOutOfRangeException(nameof(times), "times must be at least 1");
            Match = match;
            Fault = fault;
            _remaining = times;
        }

        public Func<ProxiedRequest, bool> Match { get; }

        public Fault Fault { get; }

        public bool Unlimited => Volatile.Read(ref _remaining) == int.MaxValue;

        /// <summary>Uses left (int.MaxValue: unlimited).</summary>
        public int Remaining => Volatile.Read(ref _remaining);

        /// <summary>How many requests got this fault.</summary>
        public int Hits => Volatile.Read(ref _hits);

        /// <summary>Called under the proxy's rule lock.</summary>
        internal bool TryTake(ProxiedRequest request)
        {
            if (_remaining == 0 || !Match(request)) return false;
            if (_remaining != int.MaxValue) _remaining--;
            _hits++;
            return true;
        }
    }
}
