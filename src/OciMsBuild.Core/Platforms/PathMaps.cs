using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace OciMsBuild.Core.Platforms
{
    /// <summary>
    /// The compiler's PathMap ("from=to,from=to", ',' and '=' doubled inside paths). The compiler
    /// applies the first entry whose key starts a path, so an entry put in front must already map
    /// to what the later entries would have produced.
    /// </summary>
    public static class PathMaps
    {
        /// <summary>
        /// Puts <paramref name="from"/> → <paramref name="to"/> in front of <paramref name="pathMap"/>,
        /// with <paramref name="to"/> itself mapped by the first existing entry that matches it
        /// (SourceLink's /_/, a user's own map), so a RID-specific obj/ path and the RID-less one
        /// come out the same as the rest of the build's paths do.
        /// </summary>
        public static string Prepend(string? pathMap, string from, string to)
        {
            var entries = Parse(pathMap ?? "");
            if (entries.Count > 0 && entries[0].Key == from) return pathMap!;
            var mappedTo = to;
            foreach (var entry in entries)
            {
                if (entry.Key.Length == 0 || !to.StartsWith(entry.Key, StringComparison.Ordinal)) continue;
                mappedTo = entry.Value + to.Substring(entry.Key.Length);
                break;
            }
            var first = Escape(from) + "=" + Escape(mappedTo);
            return string.IsNullOrEmpty(pathMap) ? first : first + "," + pathMap;
        }

        public static IReadOnlyList<KeyValuePair<string, string>> Parse(string pathMap)
        {
            var result = new List<KeyValuePair<string, string>>();
            var key = new StringBuilder();
            var value = new StringBuilder();
            bool inValue = false;
            for (int i = 0; i < pathMap.Length; i++)
            {
                char c = pathMap[i];
                bool doubled = i + 1 < pathMap.Length && pathMap[i + 1] == c;
                if ((c == ',' || c == '=') && doubled)
                {
                    (inValue ? value : key).Append(c);
                    i++;
                }
                else if (c == '=' && !inValue) inValue = true;
                else if (c == ',')
                {
                    if (key.Length > 0) result.Add(new KeyValuePair<string, string>(key.ToString(), value.ToString()));
                    key.Clear(); value.Clear(); inValue = false;
                }
                else (inValue ? value : key).Append(c);
            }
            if (key.Length > 0) result.Add(new KeyValuePair<string, string>(key.ToString(), value.ToString()));
            return result;
        }

        private static string Escape(string path) => path.Replace(",", ",,").Replace("=", "==");
    }
}
