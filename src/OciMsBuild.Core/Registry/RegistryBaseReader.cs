using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;
using OciMsBuild.Core.References;
using OciMsBuild.Core.Sources;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// A base image in a registry. <see cref="PinAsync"/> (every build) turns the reference into a
    /// digest and caches the manifests and the platform's config; <see cref="ReadFromStore"/> then
    /// builds from the cache alone. Layers are not downloaded here: only outputs that need their
    /// bytes fetch them (<see cref="BaseLayerFetcher"/>).
    /// </summary>
    public sealed class RegistryBaseReader
    {
        private readonly BlobStore _store;
        private readonly TagCache _tags;

        public RegistryBaseReader(BlobStore store)
        {
            _store = store;
            _tags = new TagCache(store);
        }

        public BlobStore Store => _store;

        /// <summary>Network requests made (0 when everything came from the cache).</summary>
        public int Fetches { get; private set; }

        /// <summary>Cached manifests or configs that were damaged: removed and fetched again.</summary>
        public List<string> Refetched { get; } = new List<string>();

        /// <summary>The top-level manifest or index digest the reference means now, with everything the platform needs cached.</summary>
        public async Task<string> PinAsync(ImageReference reference, Platform platform, PullPolicy policy, Func<RegistryClient> connect, CancellationToken ct = default)
        {
            RegistryClient? client = null;
            RegistryClient Client() => client ??= connect();
            string pinned;
            if (reference.Digest != null)
            {
                pinned = reference.Digest;
            }
            else
            {
                var name = reference.ToString();
                var cached = _tags.Get(name);
                if (policy != PullPolicy.Always && cached != null && _store.Contains(cached.Digest))
                {
                    pinned = cached.Digest;
                }
                else if (policy == PullPolicy.Never)
                {
                    throw new OciException(ErrorCodes.BaseTagUnresolved,
                        $"ContainerBaseImage '{name}': ContainerBaseImagePullPolicy is Never and the tag was never resolved on this machine (cache {_store.Root}). Build once with the registry reachable, or pin the base by digest.");
                }
                else
                {
                    try
                    {
                        Fetches++;
                        var head = await Client().HeadManifestAsync(reference.Repository, reference.Tag ?? "latest", ct).ConfigureAwait(false);
                        if (head == null)
                            throw await NotFoundAsync(Client(), reference, name, ct).ConfigureAwait(false);
                        pinned = Digest.IsValid(head) ? head : (await FetchManifestAsync(Client(), reference.Repository, reference.Tag ?? "latest", ct).ConfigureAwait(false)).Digest;
                    }
                    catch (OciException e) when (cached != null && e.Code != ErrorCodes.RegistryNotFound && e.Code != ErrorCodes.RegistryUnauthorized && e.Code != ErrorCodes.RegistryDenied)
                    {
                        throw new OciException(ErrorCodes.BaseTagUnresolved,
                            $"ContainerBaseImage '{name}': the tag could not be resolved ({e.Message}) The cache has {cached.Digest} for it from {cached.ResolvedAt:u}; set ContainerBaseImagePullPolicy=IfNotPresent to build with that, or pin the base by digest.", e);
                    }
                    _tags.Put(name, pinned);
                }
            }
            try { await EnsureChainAsync(reference, pinned, platform, Client, ct).ConfigureAwait(false); }
            catch (OciException e) when (e.Code == ErrorCodes.RegistryNotFound && reference.Digest != null && !_store.Contains(pinned))
            {
                throw await NotFoundAsync(Client(), reference, reference.ToString(), ct).ConfigureAwait(false);
            }
            return pinned;
        }

        /// <summary>
        /// A missing repository and a missing tag or digest are different mistakes: the tag list
        /// says which (and which tags there are). When it cannot be read, the tag or digest is named.
        /// </summary>
        private static async Task<OciException> NotFoundAsync(RegistryClient client, ImageReference reference, string name, CancellationToken ct)
        {
            IReadOnlyList<string>? tags;
            bool known = true;
            try { tags = await client.ListTagsAsync(reference.Repository, ct).ConfigureAwait(false); }
            catch (OciException) { tags = null; known = false; }
            if (known && tags == null)
                return new OciException(ErrorCodes.RegistryNotFound,
                    $"ContainerBaseImage '{name}': the repository '{reference.Repository}' does not exist in registry {reference.Registry} (NAME_UNKNOWN). Check the repository part of ContainerBaseImage.");
            var missing = reference.Digest != null
                ? $"{reference.Registry}/{reference.Repository} has no manifest {reference.Digest}"
                : $"the tag '{reference.Tag ?? "latest"}' does not exist in {reference.Registry}/{reference.Repository}";
            var there = tags == null ? " Check the tag."
                : tags.Count == 0 ? " The repository has no tags."
                : $" Tags there: {string.Join(", ", tags.Take(10))}{(tags.Count > 10 ? $", … ({tags.Count} in all)" : "")}.";
            return new OciException(ErrorCodes.RegistryNotFound, $"ContainerBaseImage '{name}': {missing}.{there}");
        }

        private async Task EnsureChainAsync(ImageReference reference, string pinned, Platform platform, Func<RegistryClient> client, CancellationToken ct)
        {
            var top = await EnsureManifestAsync(reference, pinned, client, ct).ConfigureAwait(false);
            var manifest = Select(reference, top, platform);
            var bytes = await EnsureManifestAsync(reference, manifest.Digest, client, ct).ConfigureAwait(false);
            var parsed = OciJson.Parse<ImageManifest>(bytes);
            if (parsed.Config == null || string.IsNullOrEmpty(parsed.Config.Digest))
                throw new OciException(ErrorCodes.InvalidBaseContent, $"ContainerBaseImage '{reference}': manifest {manifest.Digest} has no config.");
            if (!IsIntact(parsed.Config.Digest))
            {
                Fetches++;
                var config = await client().GetBlobBytesAsync(reference.Repository, parsed.Config.Digest, ct).ConfigureAwait(false);
                _store.Put(config, parsed.Config.MediaType);
            }
        }

        private async Task<byte[]> EnsureManifestAsync(ImageReference reference, string digest, Func<RegistryClient> client, CancellationToken ct)
        {
            if (_store.Contains(digest))
            {
                try { return _store.ReadVerified(digest); }
                catch (OciException e) when (e.Code == ErrorCodes.BlobCorrupt) { Refetched.Add(digest); } // removed: fetched again below
            }
            Fetches++;
            var result = await FetchManifestAsync(client(), reference.Repository, digest, ct).ConfigureAwait(false);
            return result.Bytes;
        }

        private async Task<ManifestResult> FetchManifestAsync(RegistryClient client, string repository, string reference, CancellationToken ct)
        {
            var result = await client.GetManifestAsync(repository, reference, ct).ConfigureAwait(false);
            _store.Put(result.Bytes, result.MediaType);
            return result;
        }

        /// <summary>A cached blob with the right content; a damaged one is removed (and fetched again by the caller).</summary>
        private bool IsIntact(string digest)
        {
            if (!_store.Contains(digest)) return false;
            try
            {
                _store.ReadVerified(digest);
                return true;
            }
            catch (OciException e) when (e.Code == ErrorCodes.BlobCorrupt)
            {
                Refetched.Add(digest);
                return false;
            }
        }

        /// <summary>The manifest for the platform: the pinned one itself, or its index's entry.</summary>
        private Descriptor Select(ImageReference reference, byte[] top, Platform platform)
        {
            var type = LayoutImageReader.ProbeMediaType(top);
            if (MediaTypes.IsIndex(type))
                return PlatformSelector.Select(OciJson.Parse<ImageIndex>(top), platform, reference.ToString());
            return new Descriptor { Digest = Digest.Of(top), MediaType = type };
        }

        /// <summary>The base for the platform from the cache alone (after <see cref="PinAsync"/>).</summary>
        public BaseImage ReadFromStore(ImageReference reference, string pinned, Platform platform, string displayName)
        {
            var manifestDescriptor = Select(reference, ReadCached(pinned, reference), platform);
            var manifest = OciJson.Parse<ImageManifest>(ReadCached(manifestDescriptor.Digest, reference));
            var config = OciJson.ParseObject(ReadCached(manifest.Config.Digest, reference));
            PlatformSelector.Check(LayoutImageReader.PlatformOf(config), platform, displayName);
            return new BaseImage
            {
                Name = displayName,
                // The tag a lock pinned ("repo:tag@sha256:…") is named as the tag: a locked and an
                // unlocked build of the same base give the same base.name, so the same image.
                RegistryName = reference.Tag != null && reference.Digest != null
                    ? reference.Registry + "/" + reference.Repository + ":" + reference.Tag
                    : reference.ToString(),
                SourceRepository = reference.Registry + "/" + reference.Repository,
                ManifestDigest = manifestDescriptor.Digest,
                Config = config,
                Layers = manifest.Layers,
            };
        }

        private byte[] ReadCached(string digest, ImageReference reference)
        {
            if (!_store.Contains(digest))
                throw new OciException(ErrorCodes.BlobCorrupt, $"ContainerBaseImage '{reference}': {digest} is missing from the blob store at {_store.Root}; build again to fetch it.");
            return _store.ReadVerified(digest);
        }
    }
}
