using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;

namespace OciMsBuild.Core.Registry
{
    /// <summary>A WWW-Authenticate challenge: scheme (Bearer or Basic) and its parameters.</summary>
    public sealed class AuthChallenge
    {
        public string Scheme { get; private set; } = "";
        public IReadOnlyDictionary<string, string> Parameters { get; private set; } = new Dictionary<string, string>();

        public string? Realm => Get("realm");
        public string? Service => Get("service");
        public string? Scope => Get("scope");
        public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
        public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// The registry-wide part (scheme, realm, service): a 401's scope belongs to the request that got it
        /// and must not widen the tokens later requests ask for.
        /// </summary>
        public AuthChallenge WithoutScope() => new AuthChallenge
        {
            Scheme = Scheme,
            Parameters = Parameters.Where(p => !p.Key.Equals("scope", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
        };

        private string? Get(string key) => Parameters.TryGetValue(key, out var v) ? v : null;

        /// <summary>The first Bearer challenge of a 401 answer, else its first Basic one, else null.</summary>
        public static AuthChallenge? From(HttpResponseMessage response)
        {
            var parsed = response.Headers.WwwAuthenticate
                .Select(h => Parse(h.Scheme + (h.Parameter == null ? "" : " " + h.Parameter)))
                .Where(c => c != null).Select(c => c!).ToList();
            return parsed.FirstOrDefault(c => c.IsBearer) ?? parsed.FirstOrDefault(c => c.IsBasic);
        }

        /// <summary>Parses 'Bearer realm="https://a/token",service="reg",scope="repository:x:pull,push"'.</summary>
        public static AuthChallenge? Parse(string header)
        {
            var text = (header ?? "").Trim();
            int space = text.IndexOf(' ');
            var scheme = space < 0 ? text : text.Substring(0, space);
            if (scheme.Length == 0) return null;
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            int i = space < 0 ? text.Length : space + 1;
            while (i < text.Length)
            {
                while (i < text.Length && (text[i] == ' ' || text[i] == ',')) i++;
                int eq = text.IndexOf('=', i);
                if (eq < 0) break;
                var key = text.Substring(i, eq - i).Trim();
                i = eq + 1;
                var value = new StringBuilder();
                if (i < text.Length && text[i] == '"')
                {
                    // Quoted: commas inside belong to the value (scope="repository:a:pull,push").
                    for (i++; i < text.Length && text[i] != '"'; i++)
                    {
                        if (text[i] == '\\' && i + 1 < text.Length) i++;
                        value.Append(text[i]);
                    }
                    i++;
                }
                else
                {
                    for (; i < text.Length && text[i] != ','; i++) value.Append(text[i]);
                }
                if (key.Length > 0) parameters[key] = value.ToString().Trim();
            }
            return new AuthChallenge { Scheme = scheme, Parameters = parameters };
        }
    }
}
