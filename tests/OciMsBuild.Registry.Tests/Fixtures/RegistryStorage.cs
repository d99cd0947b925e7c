using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// Reads the registry's filesystem storage directly, so a test can check what really landed on the
    /// server (not what the registry API claims). Layout of distribution 2.8:
    /// docker/registry/v2/blobs/sha256/AB/ABCD…/data and docker/registry/v2/repositories/NAME/{_layers,_manifests,_uploads}.
    /// </summary>
    public sealed class RegistryStorage
    {
        public RegistryStorage(string rootDirectory) => RootDirectory = rootDirectory;

        public string RootDirectory { get; }

        private string V2 => Path.Combine(RootDirectory, "docker", "registry", "v2");

        /// <summary>Path of a blob's data file ("sha256:hex").</summary>
        public string BlobPath(string digest)
        {
            var (algorithm, hex) = Split(digest);
            return Path.Combine(V2, "blobs", algorithm, hex.Substring(0, 2), hex, "data");
        }

        public bool BlobExists(string digest) => File.Exists(BlobPath(digest));

        /// <summary>Every blob digest stored ("sha256:hex").</summary>
        public IReadOnlyList<string> Blobs()
        {
            var root = Path.Combine(V2, "blobs");
            if (!Directory.Exists(root)) return Array.Empty<string>();
            return Directory.EnumerateFiles(root, "data", SearchOption.AllDirectories)
                .Select(f => new DirectoryInfo(Path.GetDirectoryName(f)!))
                .Select(d => d.Parent!.Parent!.Name + ":" + d.Name)
                .OrderBy(d => d, StringComparer.Ordinal).ToList();
        }

        /// <summary>Repository names ("a/b/c") that have a _manifests or _layers directory.</summary>
        public IReadOnlyList<string> Repositories()
        {
            var root = Path.Combine(V2, "repositories");
            if (!Directory.Exists(root)) return Array.Empty<string>();
            return Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)
                .Where(d => Directory.Exists(Path.Combine(d, "_manifests")) || Directory.Exists(Path.Combine(d, "_layers")))
                .Select(d => Path.GetRelativePath(root, d).Replace(Path.DirectorySeparatorChar, '/'))
                .OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        /// <summary>Tags of a repository (from _manifests/tags).</summary>
        public IReadOnlyList<string> Tags(string repository)
        {
            var dir = Path.Combine(RepositoryPath(repository), "_manifests", "tags");
            if (!Directory.Exists(dir)) return Array.Empty<string>();
            return Directory.GetDirectories(dir).Select(Path.GetFileName).Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToList();
        }

        /// <summary>The manifest digest a tag points at, or null.</summary>
        public string? TagDigest(string repository, string tag)
        {
            var link = Path.Combine(RepositoryPath(repository), "_manifests", "tags", tag, "current", "link");
            return File.Exists(link) ? File.ReadAllText(link).Trim() : null;
        }

        /// <summary>Whether the repository links a layer blob (the registry keeps per-repository links).</summary>
        public bool RepositoryHasLayerLink(string repository, string digest)
        {
            var (algorithm, hex) = Split(digest);
            return File.Exists(Path.Combine(RepositoryPath(repository), "_layers", algorithm, hex, "link"));
        }

        /// <summary>Upload sessions still open in a repository (_uploads/UUID directories).</summary>
        public IReadOnlyList<string> OpenUploads(string repository)
        {
            var dir = Path.Combine(RepositoryPath(repository), "_uploads");
            if (!Directory.Exists(dir)) return Array.Empty<string>();
            return Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)!).ToList();
        }

        private string RepositoryPath(string repository) =>
            Path.Combine(V2, "repositories", Path.Combine(repository.Split('/')));

        private static (string Algorithm, string Hex) Split(string digest)
        {
            var colon = digest.IndexOf(':');
            if (colon <= 0 || digest.Length - colon - 1 < 2) throw new ArgumentException("Not a digest: " + digest, nameof(digest));
            return (digest.Substring(0, colon), digest.Substring(colon + 1));
        }
    }
}
