using System.Collections.Generic;
using System.Linq;

namespace OciMsBuild.Core.Output
{
    /// <summary>The name an image is written under: [registry/]repository and its tags.</summary>
    public sealed class ImageName
    {
        public ImageName(string? registry, string repository, IReadOnlyList<string> tags)
        {
            Registry = string.IsNullOrWhiteSpace(registry) ? null : registry!.Trim().TrimEnd('/');
            Repository = repository;
            Tags = tags;
        }

        public string? Registry { get; }
        public string Repository { get; }
        public IReadOnlyList<string> Tags { get; }

        public string FullName => Registry == null ? Repository : Registry + "/" + Repository;

        /// <summary>What docker would call it: a bare name is docker.io/library/NAME.</summary>
        public string CanonicalName
        {
            get
            {
                if (Registry != null) return FullName;
                return "docker.io/" + (Repository.Contains("/") ? Repository : "library/" + Repository);
            }
        }

        public IEnumerable<string> RepoTags => Tags.Select(t => FullName + ":" + t);
    }
}
