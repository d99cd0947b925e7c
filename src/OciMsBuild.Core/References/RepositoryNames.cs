using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace OciMsBuild.Core.References
{
    public static class RepositoryNames
    {
        private static readonly Regex SeparatorRun = new Regex("[._-]{2,}", RegexOptions.CultureInvariant);

        /// <summary>
        /// Default repository from an assembly name: lowercased, characters a repository cannot
        /// hold become '-', e.g. "My.App_Web" → "my.app_web", "App Web" → "app-web".
        /// </summary>
        public static string FromProjectName(string name)
        {
            var sb = new StringBuilder();
            foreach (var c in name.ToLowerInvariant())
            {
                bool ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '/';
                sb.Append(ok ? c : '-');
            }
            // Each path component must start and end with [a-z0-9] and use only '.', '_', '__' or
            // '-' runs between them: "app (1).web" gives "app--1-.web", whose "--" and "-." become '-'.
            var parts = sb.ToString().Split('/')
                .Select(p => SeparatorRun.Replace(p.Trim('.', '_', '-'), m => m.Value == "__" ? m.Value : "-"))
                .Where(p => p.Length > 0);
            var s = string.Join("/", parts);
            return s.Length == 0 ? "app" : s;
        }
    }
}
