using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Registry
{
    /// <summary>A fetched manifest or index: its exact bytes, media type and verified digest.</summary>
    public sealed class ManifestResult
    {
        public byte[] Bytes { get; set; } = new byte[0];
        public string MediaType { get; set; } = "";
        public string Digest { get; set; } = "";
    }

    /// <summary>
    /// The distribution-spec operations on one registry (repository per call). Each operation is
    /// retried as a whole by the session's policy and ends in a coded error when it cannot succeed.
    /// </summary>
    public sealed class RegistryClient
    {
        /// <summary>Every manifest and index type we understand, as Docker and the SDK send them.</summary>
        public static readonly string[] ManifestAccept =
        {
            MediaTypes.OciIndex, MediaTypes.OciManifest, MediaTypes.DockerManifestList, MediaTypes.DockerManifest,
        };

        private readonly RegistrySession _session;
        private readonly Action<string>? _log;

        public RegistryClient(RegistrySession session, Action<string>? log = null)
        {
            _session = session;
            _log = log;
        }

        public RegistrySession Session => _session;
        public string Registry => _session.Endpoint.Registry;

        public static string PullScope(string repository) => $"repository:{repository}:pull";
        public static string PushScope(string repository) => $"repository:{repository}:pull,push";

        private IReadOnlyCollection<string> Scopes(string repository) =>
            new[] { _session.Auth.Access == Auth.RegistryAccess.Push ? PushScope(repository) : PullScope(repository) };

        private async Task<T> Run<T>(string what, Func<CancellationToken, Task<T>> action, CancellationToken ct)
        {
            try { return await _session.Retry.RunAsync(action, ct).ConfigureAwait(false); }
            catch (Exception e) { throw RegistryFailures.ToError(e, what, _session.Endpoint, _session.Auth.Access, _session.Retry.Retries, ct); }
        }

        private async Task<OciException> Failure(HttpResponseMessage response, string what)
        {
            string body = "";
            try { body = await response.Content.ReadAsStringAsync().ConfigureAwait(false); } catch (Exception) { }
            return RegistryFailures.FromResponse(response.StatusCode, body, what, _session.Endpoint, _session.Auth);
        }

        /// <summary>A manifest request accepting every manifest and index type.</summary>
        private static HttpRequestMessage ManifestRequest(HttpMethod method, string repository, string reference)
        {
            var request = new HttpRequestMessage(method, $"v2/{repository}/manifests/{reference}");
            foreach (var type in ManifestAccept) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return request;
        }

        /// <summary>The digest the registry says the content has, if it says.</summary>
        private static string? ContentDigest(HttpResponseMessage response) =>
            response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;

        /// <summary>GET a manifest or index by tag or digest, checking its digest.</summary>
        public Task<ManifestResult> GetManifestAsync(string repository, string reference, CancellationToken ct = default)
        {
            var what = $"reading manifest {Registry}/{repository}{(reference.StartsWith("sha256:") ? "@" : ":")}{reference}";
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b => ManifestRequest(HttpMethod.Get, repository, reference), Scopes(repository), token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                var digest = Digest.Of(bytes);
                var claimed = ContentDigest(response);
                var expected = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : claimed;
                if (expected != null && expected.StartsWith("sha256:", StringComparison.Ordinal) && expected != digest)
                    throw new OciException(ErrorCodes.RegistryDigestMismatch, $"Registry {Registry} sent a manifest for {repository}@{expected} whose content hashes to {digest}; refusing it.");
                var type = response.Content.Headers.ContentType?.MediaType;
                if (string.IsNullOrEmpty(type) || type == "application/json" || type == "text/plain")
                    type = Sources.LayoutImageReader.ProbeMediaType(bytes);
                return new ManifestResult { Bytes = bytes, MediaType = type!, Digest = digest };
            }, ct);
        }

        /// <summary>
        /// The repository's tags, or null when the registry does not know the repository (404,
        /// NAME_UNKNOWN). Tells a missing repository from a missing tag: a manifest 404 cannot
        /// (a HEAD has no body, and the distribution registry answers MANIFEST_UNKNOWN for both).
        /// </summary>
        public Task<IReadOnlyList<string>?> ListTagsAsync(string repository, CancellationToken ct = default)
        {
            var what = $"listing the tags of {Registry}/{repository}";
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/tags/list"), Scopes(repository), token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    // Only the registry's own NAME_UNKNOWN says the repository is missing; a proxy or a
                    // registry that does not serve tag lists may answer 404 for a repository that exists.
                    var notFound = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    if (RegistryErrorBody.Has(notFound, "NAME_UNKNOWN")) return null;
                    throw RegistryFailures.FromResponse(response.StatusCode, notFound, what, _session.Endpoint, _session.Auth);
                }
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                var tags = Newtonsoft.Json.Linq.JObject.Parse(body)["tags"] as Newtonsoft.Json.Linq.JArray;
                return (IReadOnlyList<string>?)(tags?.Select(t => (string?)t).Where(t => t != null).Select(t => t!).ToList() ?? new List<string>());
            }, ct);
        }

        /// <summary>The digest a tag points at now, or null when the tag (or repository) does not exist.</summary>
        public Task<string?> HeadManifestAsync(string repository, string reference, CancellationToken ct = default)
        {
            var what = $"checking {Registry}/{repository}:{reference}";
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b => ManifestRequest(HttpMethod.Head, repository, reference), Scopes(repository), token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound) return null;
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                return ContentDigest(response);
            }, ct);
        }

        public Task<bool> BlobExistsAsync(string repository, string digest, CancellationToken ct = default)
        {
            var what = $"checking blob {digest} in {Registry}/{repository}";
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/blobs/{digest}"), Scopes(repository), token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotFound) return false;
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                return true;
            }, ct);
        }

        /// <summary>Streams a blob into the store; the digest is checked before the blob becomes visible.</summary>
        public Task<bool> DownloadBlobAsync(string repository, Descriptor blob, BlobStore store, CancellationToken ct = default) =>
            DownloadBlobAsync(repository, blob, store, null, ct);

        /// <summary>
        /// As above, telling <paramref name="progress"/> the bytes received so far as they arrive (from
        /// 0 again when a retry starts over), and the blob's size once it is verified in the store.
        /// Nothing when the store already has the blob. <see cref="TransferProgress"/> turns it into log lines.
        /// </summary>
        public Task<bool> DownloadBlobAsync(string repository, Descriptor blob, BlobStore store, Action<long>? progress, CancellationToken ct = default)
        {
            var what = $"downloading blob {blob.Digest} from {Registry}/{repository}";
            return Run(what, async token =>
            {
                if (store.Contains(blob.Digest)) return true;
                using var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/blobs/{blob.Digest}"),
                    Scopes(repository), token, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                try
                {
                    store.PutStream(target => CopyWithTimeout(body, target, progress, token), blob.Digest);
                }
                catch (OciException e) when (e.Code == ErrorCodes.BlobCorrupt)
                {
                    throw new OciException(ErrorCodes.RegistryDigestMismatch, $"Registry {Registry} sent blob {blob.Digest} of {repository} with different content: {e.Message}", e);
                }
                progress?.Invoke(blob.Size);
                return true;
            }, ct);
        }

        private void CopyWithTimeout(Stream source, Stream target, Action<long>? progress, CancellationToken ct)
        {
            var buffer = new byte[1 << 16];
            long done = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var read = source.ReadAsync(buffer, 0, buffer.Length, ct);
                // A body that stops flowing counts as a timeout (retried), like a request with no answer.
                if (!read.Wait(_session.Options.RequestTimeout)) throw new TimeoutException("the download stalled");
                if (read.Result == 0) return;
                target.Write(buffer, 0, read.Result);
                done += read.Result;
                progress?.Invoke(done);
            }
        }

        /// <summary>
        /// The referrers of <paramref name="digest"/> with <paramref name="artifactType"/>: from the
        /// referrers API (distribution-spec 1.1), else from the referrers tag sha256-&lt;hex&gt;. Empty when none.
        /// </summary>
        public Task<List<Descriptor>> GetReferrersAsync(string repository, string digest, string artifactType, CancellationToken ct = default)
        {
            var what = $"listing the referrers of {Registry}/{repository}@{digest}";
            return Run(what, async token =>
            {
                using (var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Get,
                    $"v2/{repository}/referrers/{digest}?artifactType={Uri.EscapeDataString(artifactType)}"), Scopes(repository), token).ConfigureAwait(false))
                {
                    var type = response.Content.Headers.ContentType?.MediaType;
                    if (response.IsSuccessStatusCode && type == MediaTypes.OciIndex)
                    {
                        var listed = OciJson.Parse<ImageIndex>(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
                        return listed.Manifests.Where(m => m.ArtifactType == artifactType).ToList();
                    }
                    if (response.IsSuccessStatusCode || (response.StatusCode != HttpStatusCode.NotFound && response.StatusCode != HttpStatusCode.MethodNotAllowed))
                        throw await Failure(response, what).ConfigureAwait(false);
                }
                // No referrers API: the tag schema.
                using var tagged = await _session.SendAsync(b => ManifestRequest(HttpMethod.Get, repository, digest.Replace(':', '-')), Scopes(repository), token).ConfigureAwait(false);
                if (tagged.StatusCode == HttpStatusCode.NotFound) return new List<Descriptor>();
                if (!tagged.IsSuccessStatusCode) throw await Failure(tagged, what).ConfigureAwait(false);
                var index = OciJson.Parse<ImageIndex>(await tagged.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
                return index.Manifests.Where(m => m.ArtifactType == artifactType).ToList();
            }, ct);
        }

        /// <summary>Reads a small blob (a config) whole, verified.</summary>
        public Task<byte[]> GetBlobBytesAsync(string repository, string digest, CancellationToken ct = default)
        {
            var what = $"reading blob {digest} from {Registry}/{repository}";
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/blobs/{digest}"), Scopes(repository), token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                if (Digest.Of(bytes) != digest)
                    throw new OciException(ErrorCodes.RegistryDigestMismatch, $"Registry {Registry} sent blob {digest} of {repository} with content hashing to {Digest.Of(bytes)}; refusing it.");
                return bytes;
            }, ct);
        }

        /// <summary>PUT a manifest under a tag or its digest; checks the digest the registry computed.</summary>
        public Task<bool> PutManifestAsync(string repository, string reference, byte[] bytes, string mediaType, CancellationToken ct = default) =>
            PutManifestCoreAsync(repository, reference, bytes, mediaType, ct);

        /// <summary>
        /// PUT a manifest that has a subject; true when the registry answered with OCI-Subject, i.e. it
        /// keeps the referrers list itself (distribution-spec 1.1). False: the client must maintain the
        /// referrers tag.
        /// </summary>
        public Task<bool> PutReferrerManifestAsync(string repository, string digest, byte[] bytes, string mediaType, CancellationToken ct = default) =>
            PutManifestCoreAsync(repository, digest, bytes, mediaType, ct);

        private Task<bool> PutManifestCoreAsync(string repository, string reference, byte[] bytes, string mediaType, CancellationToken ct)
        {
            var digest = Digest.Of(bytes);
            var what = $"pushing manifest {digest} to {Registry}/{repository}{(reference.StartsWith("sha256:") ? "@" : ":")}{reference}";
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b =>
                {
                    var content = new ByteArrayContent(bytes);
                    content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                    return new HttpRequestMessage(HttpMethod.Put, $"v2/{repository}/manifests/{reference}") { Content = content };
                }, Scopes(repository), token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw await Failure(response, what).ConfigureAwait(false);
                var stored = ContentDigest(response);
                if (stored != null && stored != digest)
                    throw new OciException(ErrorCodes.RegistryDigestMismatch, $"Registry {Registry} stored the manifest for {repository} as {stored}, not {digest}.");
                return response.Headers.Contains("OCI-Subject");
            }, ct);
        }

        /// <summary>
        /// Asks the registry to link a blob from another repository (always with 'from', as the spec
        /// wants). Mounted on 201. On 202 the registry opened an upload session instead (the source
        /// lacks the blob, or the registry does not mount): with <paramref name="keepUploadSession"/>
        /// its Location comes back for the upload to use, else it is cancelled. A 404/401/403 (source
        /// gone, or no pull right on it) is neither.
        /// </summary>
        public Task<MountAttempt> TryMountAsync(string repository, string digest, string fromRepository, bool keepUploadSession = false, CancellationToken ct = default)
        {
            var what = $"mounting blob {digest} from {fromRepository} into {Registry}/{repository}";
            var scopes = new[] { PushScope(repository), PullScope(fromRepository) };
            return Run(what, async token =>
            {
                using var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Post,
                    $"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}"), scopes, token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Created) return MountAttempt.Done;
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    if (keepUploadSession && response.Headers.Location != null) return MountAttempt.Opened(response.Headers.Location);
                    // Not used: close it so it does not linger.
                    await CancelUploadAsync(repository, response.Headers.Location, token).ConfigureAwait(false);
                    return MountAttempt.Refused;
                }
                if (response.StatusCode == HttpStatusCode.NotFound || response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
                    return MountAttempt.Refused;
                throw await Failure(response, what).ConfigureAwait(false);
            }, ct);
        }

        /// <summary>Closes an upload session nobody will finish (best effort, never throws; registries also expire them).</summary>
        public async Task CancelUploadAsync(string repository, Uri? location, CancellationToken ct = default)
        {
            if (location == null) return;
            try
            {
                using var r = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Delete, Resolve(b, location)), Scopes(repository), ct).ConfigureAwait(false);
            }
            catch (Exception) { /* best effort: the registry expires abandoned uploads */ }
        }

        internal static Uri Resolve(Uri baseUri, Uri location) => location.IsAbsoluteUri ? location : new Uri(baseUri, location);

        internal static Uri WithQuery(Uri uri, string query) =>
            new Uri(uri.AbsoluteUri + (string.IsNullOrEmpty(uri.Query) ? "?" : "&") + query);

        /// <summary>
        /// Uploads a blob: one PUT when it fits in a chunk, else PATCH chunks then the closing PUT.
        /// Any failure restarts the whole upload from a new session (partial uploads are never resumed
        /// blindly), up to the retry bound.
        /// </summary>
        public Task<bool> UploadBlobAsync(string repository, Descriptor blob, Func<Stream> open, Action<long>? progress = null, CancellationToken ct = default) =>
            UploadBlobAsync(repository, blob, open, progress, null, ct);

        /// <summary>
        /// As above; the first attempt goes into <paramref name="openedSession"/> when given (the session
        /// a mount answered 202 with), saving a POST. A retry always starts a new session.
        /// </summary>
        public Task<bool> UploadBlobAsync(string repository, Descriptor blob, Func<Stream> open, Action<long>? progress, Uri? openedSession, CancellationToken ct = default)
        {
            var what = $"uploading blob {blob.Digest} ({blob.Size:N0} bytes) to {Registry}/{repository}";
            var pending = openedSession;
            return Run(what, async token =>
            {
                var location = Interlocked.Exchange(ref pending, null) ?? await StartUploadAsync(repository, what, token).ConfigureAwait(false);
                var chunk = _session.Options.ChunkSize;
                if (blob.Size <= chunk)
                {
                    await PutFinalAsync(repository, location, blob, open, 0, blob.Size, what, token, progress).ConfigureAwait(false);
                    progress?.Invoke(blob.Size);
                    return true;
                }
                using (var source = open())
                {
                    long offset = 0;
                    // Pooled: a fresh chunk-sized array per blob is large-object-heap garbage.
                    var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(chunk, int.MaxValue));
                    try
                    {
                        while (offset < blob.Size)
                        {
                            int length = (int)Math.Min(chunk, blob.Size - offset);
                            int filled = 0;
                            while (filled < length)
                            {
                                int n = source.Read(buffer, filled, length - filled);
                                if (n == 0) throw new OciException(ErrorCodes.BlobCorrupt, $"Blob {blob.Digest} is shorter than its size {blob.Size}.");
                                filled += n;
                            }
                            var start = offset;
                            location = await PatchAsync(repository, location, buffer, length, offset, what, token,
                                progress == null ? null : sent => progress(start + sent)).ConfigureAwait(false);
                            offset += length;
                            progress?.Invoke(offset);
                        }
                    }
                    finally { ArrayPool<byte>.Shared.Return(buffer); }
                }
                await PutFinalAsync(repository, location, blob, null, 0, 0, what, token).ConfigureAwait(false);
                return true;
            }, ct);
        }

        /// <summary>Opens an upload session for a blob whose bytes are still being produced (see <see cref="StreamingUpload"/>).</summary>
        public Task<Uri> BeginStreamingUploadAsync(string repository, CancellationToken ct = default) =>
            StartUploadAsync(repository, $"starting an upload to {Registry}/{repository}", ct);

        /// <summary>
        /// Sends one chunk at <paramref name="offset"/>; returns the session's next location. No retry:
        /// a streamed chunk cannot be read again, so the caller gives the stream up and the push
        /// uploads the stored blob instead.
        /// </summary>
        public Task<Uri> PatchChunkAsync(string repository, Uri location, byte[] buffer, int length, long offset, CancellationToken ct = default) =>
            PatchAsync(repository, location, buffer, length, offset, $"streaming a blob to {Registry}/{repository}", ct);

        /// <summary>
        /// One PATCH of <paramref name="length"/> bytes at <paramref name="offset"/>; the session's next
        /// location. <paramref name="progress"/> hears the bytes of this chunk sent so far.
        /// </summary>
        private async Task<Uri> PatchAsync(string repository, Uri location, byte[] buffer, int length, long offset, string what, CancellationToken ct,
            Action<long>? progress = null)
        {
            using var response = await _session.SendAsync(b =>
            {
                HttpContent content = progress == null
                    ? new ByteArrayContent(buffer, 0, length)
                    : new StreamContent(new ProgressReadStream(new MemoryStream(buffer, 0, length, writable: false), progress), 1 << 16);
                content.Headers.ContentLength = length;
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + length - 1}");
                return new HttpRequestMessage(new HttpMethod("PATCH"), Resolve(b, location)) { Content = content };
            }, Scopes(repository), ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Accepted && response.StatusCode != HttpStatusCode.NoContent && !response.IsSuccessStatusCode)
                throw await Failure(response, what).ConfigureAwait(false);
            return response.Headers.Location ?? location;
        }

        /// <summary>Closes a streamed upload: the registry checks the bytes it got against <paramref name="digest"/>.</summary>
        public Task CompleteStreamingUploadAsync(string repository, Uri location, string digest, CancellationToken ct = default) =>
            PutFinalAsync(repository, location, new Descriptor { Digest = digest }, null, 0, 0, $"finishing the upload of {digest} to {Registry}/{repository}", ct);

        /// <summary>Gives a streamed upload up (best effort: registries expire abandoned sessions).</summary>
        public Task AbandonStreamingUploadAsync(string repository, Uri? location, CancellationToken ct = default) =>
            CancelUploadAsync(repository, location, ct);

        private async Task<Uri> StartUploadAsync(string repository, string what, CancellationToken ct)
        {
            using var response = await _session.SendAsync(b => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/"), Scopes(repository), ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Accepted || response.Headers.Location == null)
            {
                if (response.IsSuccessStatusCode)
                    throw new OciException(ErrorCodes.RegistryError, $"Registry {Registry} answered {(int)response.StatusCode} without an upload Location while {what}.");
                throw await Failure(response, what).ConfigureAwait(false);
            }
            return response.Headers.Location;
        }

        /// <summary>The closing PUT, with the whole blob when <paramref name="open"/> is given (<paramref name="progress"/> hears the bytes sent so far).</summary>
        private async Task PutFinalAsync(string repository, Uri location, Descriptor blob, Func<Stream>? open, long offset, long length, string what, CancellationToken ct,
            Action<long>? progress = null)
        {
            using var response = await _session.SendAsync(b =>
            {
                HttpContent content;
                if (open != null)
                {
                    var body = open();
                    content = new StreamContent(progress == null ? body : new ProgressReadStream(body, progress), 1 << 16);
                    content.Headers.ContentLength = length;
                }
                else
                {
                    content = new ByteArrayContent(new byte[0]);
                }
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return new HttpRequestMessage(HttpMethod.Put, WithQuery(Resolve(b, location), "digest=" + Uri.EscapeDataString(blob.Digest))) { Content = content };
            }, Scopes(repository), ct).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Created && !response.IsSuccessStatusCode)
                throw await Failure(response, what).ConfigureAwait(false);
        }
    }
}
