using System;
using System.Collections.Concurrent;

namespace OciMsBuild.Core.Registry
{
    /// <summary>Bearer tokens by realm, service and scope set, each kept until shortly before it expires.</summary>
    public sealed class TokenCache
    {
        private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new ConcurrentDictionary<string, (string, DateTimeOffset)>();
        private readonly Func<DateTimeOffset> _now;

        public TokenCache(Func<DateTimeOffset>? now = null) => _now = now ?? (() => DateTimeOffset.UtcNow);

        public static string Key(string realm, string? service, string scope) => realm + "\n" + service + "\n" + scope;

        public string? Get(string key) =>
            _tokens.TryGetValue(key, out var t) && t.Expires > _now() ? t.Token : null;

        /// <summary>Stores a token that lives <paramref name="lifetime"/>; renewed 10% (at least 5 s) early.</summary>
        public void Put(string key, string token, TimeSpan lifetime)
        {
            var margin = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, lifetime.Ticks / 10));
            _tokens[key] = (token, _now() + lifetime - margin);
        }

        public void Remove(string key) => _tokens.TryRemove(key, out _);
    }
}
