using System.Text;

namespace OciMsBuild.Core.References
{
    public static class RepositoryNames
    {
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
            var s = sb.ToString().Trim('.', '_', '-', '/');
            while (s.Contains("--")) s = s.Replace("--", "-");
            return s.Length == 0 ? "app" : s;
        }
    }
}
