using System;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Cache;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Where each blob was last seen in a registry (HEAD hit, mount or upload), so a push to another
    /// repository of the same registry can ask for a cross-repository mount instead of uploading the
    /// bytes again. One small file per registry and digest beside the blob store:
    /// ROOT/pushed/REGISTRY/HEX.json holding {"registry","repository","digest"}.
    /// <para>
    /// It is only a hint: the registry stays the oracle (a mount it refuses falls back to an upload),
    /// so every failure to read or write a record is ignored, a torn or foreign file reads as "not
    /// known", and the whole folder is safe to delete. One file per blob keeps concurrent builds from
    /// losing each other's records; each is written to the store's tmp/ and renamed into place.
    /// </para>
    /// </summary>
    public sealed class PushedBlobs
    {
        /// <summary>The distribution spec's repository name grammar: a hand-edited file cannot smuggle a query into a mount URL.</summary>
        private static readonly System.Text.RegularExpressions.Regex RepositoryName = new System.Text.RegularExpressions.Regex(
            "^[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        private readonly string _directory;
        private readonly string _tempDirectory;

        public PushedBlobs(BlobStore store)
        {
            _directory = Path.Combine(store.Root, "pushed");
            // The store's own temp folder: a temp file a killed build leaves there is cleaned by the store.
            _tempDirectory = Path.Combine(store.Root, "tmp");
        }

        public string Directory => _directory;

        /// <summary>The repository of <paramref name="registry"/> that last held <paramref name="digest"/>, or null.</summary>
        public string? RepositoryOf(string registry, string digest)
        {
            try
            {
                var path = PathFor(registry, digest);
                if (path == null || !File.Exists(path)) return null;
                var json = JObject.Parse(File.ReadAllText(path));
                var repository = (string?)json["repository"];
                // A file another registry's name collided into, or a foreign/garbled one, says nothing.
                if (!string.Equals((string?)json["registry"], Key(registry), StringComparison.Ordinal) || (string?)json["digest"] != digest) return null;
                return repository != null && RepositoryName.IsMatch(repository) ? repository : null;
            }
            catch (Exception e) when (Ignorable(e)) { return null; }
        }

        /// <summary>Records that <paramref name="repository"/> holds <paramref name="digest"/>; rewrites nothing when it already says so.</summary>
        public void Remember(string registry, string repository, string digest)
        {
            if (RepositoryOf(registry, digest) == repository) return;
            var path = PathFor(registry, digest);
            if (path == null) return;
            var text = new JObject { ["registry"] = Key(registry), ["repository"] = repository, ["digest"] = digest }.ToString(Formatting.None);
            string? temp = null;
            try
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                System.IO.Directory.CreateDirectory(_tempDirectory);
                temp = Path.Combine(_tempDirectory, Guid.NewGuid().ToString("N") + ".tmp");
                File.WriteAllBytes(temp, new UTF8Encoding(false).GetBytes(text));
                // Last writer wins: both records are true, and either is a fine hint.
                if (File.Exists(path)) File.Replace(temp, path, null);
                else File.Move(temp, path);
                temp = null;
            }
            catch (Exception e) when (Ignorable(e)) { }
            finally
            {
                if (temp != null) try { File.Delete(temp); } catch (Exception e) when (Ignorable(e)) { }
            }
        }

        private static string Key(string registry) => registry.ToLowerInvariant();

        /// <summary>ROOT/pushed/127.0.0.1_5000/HEX.json: the registry name made safe for every file system.</summary>
        private string? PathFor(string registry, string digest)
        {
            if (!Oci.Digest.IsValid(digest)) return null;
            var folder = new StringBuilder();
            foreach (var c in Key(registry)) folder.Append(char.IsLetterOrDigit(c) && c < 128 || c == '.' || c == '-' ? c : '_');
            return Path.Combine(_directory, folder.ToString(), Oci.Digest.Hex(digest) + ".json");
        }

        private static bool Ignorable(Exception e) =>
            e is IOException || e is UnauthorizedAccessException || e is JsonException || e is NotSupportedException
            || e is ArgumentException || e is System.Security.SecurityException;
    }
}
