using System;
using System.Collections.Generic;

namespace OciMsBuild.Core.Engines
{
    /// <summary>
    /// Reads the image references out of what <c>load</c> prints:
    /// docker "Loaded image: app:1" / "Loaded image ID: sha256:…",
    /// podman 4 "Loaded image: localhost/app:1" / "Loaded image(s): a,b".
    /// Other lines (docker's "The image … already exists, renaming …") are ignored.
    /// </summary>
    internal static class LoadOutput
    {
        private static readonly string[] Prefixes = { "Loaded image ID:", "Loaded image(s):", "Loaded image:" };

        public static IReadOnlyList<string> Parse(string output)
        {
            var images = new List<string>();
            foreach (var raw in output.Split('\n'))
            {
                var line = raw.Trim();
                foreach (var prefix in Prefixes)
                {
                    if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    foreach (var name in line.Substring(prefix.Length).Split(','))
                    {
                        var image = name.Trim();
                        if (image.Length > 0 && !images.Contains(image)) images.Add(image);
                    }
                    break;
                }
            }
            return images;
        }
    }
}
