using System;
using System.IO;
using Newtonsoft.Json;

namespace OciMsBuild.Core.Platforms
{
    /// <summary>Whether NuGet's project.assets.json was restored for a runtime identifier.</summary>
    public static class AssetsFile
    {
        public static bool HasRuntimeTarget(string? assetsPath, string targetFramework, string rid)
        {
            if (string.IsNullOrEmpty(assetsPath) || !File.Exists(assetsPath)) return false;
            // Read only the keys of "targets": assets files can be large.
            using var reader = new JsonTextReader(new StreamReader(assetsPath));
            while (reader.Read())
            {
                if (reader.TokenType != JsonToken.PropertyName || reader.Depth != 1 || (string?)reader.Value != "targets") continue;
                reader.Read();
                int depth = reader.Depth;
                while (reader.Read() && reader.Depth > depth)
                {
                    if (reader.TokenType == JsonToken.PropertyName && reader.Depth == depth + 1)
                    {
                        var key = (string?)reader.Value ?? "";
                        if (key.EndsWith("/" + rid, StringComparison.OrdinalIgnoreCase)
                            && (key.StartsWith(targetFramework + "/", StringComparison.OrdinalIgnoreCase) || key.StartsWith(".NET", StringComparison.Ordinal))) return true;
                        reader.Skip();
                    }
                }
                return false;
            }
            return false;
        }
    }
}
