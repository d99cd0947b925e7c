using System;
using System.Collections.Generic;
using System.Formats.Tar;
using System.IO;

namespace OciMsBuild.Core.Tests.Support
{
    /// <summary>Reads a tarball we wrote back into name → bytes, with .NET's own tar reader (not ours).</summary>
    public static class TarFiles
    {
        public static Dictionary<string, byte[]> Read(string path)
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            using var reader = new TarReader(File.OpenRead(path));
            TarEntry? entry;
            while ((entry = reader.GetNextEntry()) != null)
            {
                var data = new MemoryStream();
                entry.DataStream?.CopyTo(data);
                files.Add(entry.Name, data.ToArray());
            }
            return files;
        }
    }
}
