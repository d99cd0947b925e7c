using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Sends requests to one registry for one kind of access: picks HTTPS (or HTTP where allowed)
    /// with a /v2/ ping, answers auth challenges, follows redirects without leaking the
    /// Authorization header to another host, applies the per-request timeout, and turns 5xx/429
    /// into <see cref="TransientResponseException"/> for the retry policy.
    /// </summary>
    public sealed class RegistrySession
    {
        private const int MaxRedirects = 5;
        private readonly HttpClient _http;
        private readonly RegistryOptions _options;
        private readonly RegistryProbe _probe;

        /// <param name="probe">Shared by the pull and push sessions of one registry (one ping, one known challenge); null: this session's own.</param>
        public RegistrySession(RegistryEndpoint endpoint, RegistryAccess access, HttpClient http, CredentialResolver credentials, TokenCache tokens, RegistryOptions options, Action<string>? log = null, RegistryProbe? probe = null)
        {
            Endpoint = endpoint;
            _http = http;
            _options = options;
            _probe = probe ?? new RegistryProbe();
            Auth = new RegistryAuthenticator(endpoint, access, credentials, http, tokens, _probe);
            Retry = new RetryPolicy(options, message => log?.Invoke($"OciMsBuild: {endpoint.Registry}: {message}"));
        }

        public RegistryEndpoint Endpoint { get; }
        public RegistryOptions Options => _options;
        public RegistryAuthenticator Auth { get; }
        public RetryPolicy Retry { get; }

        /// <summary>Requests sent, including pings, auth rounds and retries (for tests and the log).</summary>
        public int RequestCount => _requestCount;
        private int _requestCount;

        public async Task<Uri> BaseUriAsync(CancellationToken ct)
        {
            var known = _probe.BaseUri;
            if (known != null) return known;
            await _probe.PingGate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                known = _probe.BaseUri;
                if (known != null) return known;
                known = await PingAsync(ct).ConfigureAwait(false);
                _probe.BaseUri = known;
                return known;
            }
            finally { _probe.PingGate.Release(); }
        }

        private async Task<Uri> PingAsync(CancellationToken ct)
        {
            var https = Endpoint.BaseUri(https: true);
            try
            {
                await Retry.RunAsync(token => PingOnceAsync(https, token), ct).ConfigureAwait(false);
                return https;
            }
            catch (Exception e) when (Endpoint.AllowsHttp && !(e is OciException) && !ct.IsCancellationRequested)
            {
                // Loopback and listed registries may speak plain HTTP: Docker's rule, and the SDK's.
                var http = Endpoint.BaseUri(https: false);
                HttpStatusCode status;
                try { status = await Retry.RunAsync(token => PingOnceAsync(http, token), ct).ConfigureAwait(false); }
                catch (Exception e2) { throw RegistryFailures.ToError(RegistryFailures.IsTlsFailure(e) ? e : e2, "connecting", Endpoint, Auth.Access, Retry.Retries, ct); }
                // An HTTPS server answers plain HTTP with 400: the TLS failure is the real problem.
                if (status == HttpStatusCode.BadRequest && RegistryFailures.IsTlsFailure(e))
                    throw RegistryFailures.ToError(e, "connecting", Endpoint, Auth.Access, Retry.Retries, ct);
                return http;
            }
            catch (Exception e) { throw RegistryFailures.ToError(e, "connecting", Endpoint, Auth.Access, Retry.Retries, ct); }
        }

        private async Task<HttpStatusCode> PingOnceAsync(Uri baseUri, CancellationToken ct)
        {
            using var response = await SendRawAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, "v2/")), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            if (RegistryFailures.IsTransientStatus(response.StatusCode)) throw await TransientAsync(response).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized) Auth.Learn(AuthChallenge.From(response));
            return response.StatusCode;
        }

        /// <summary>
        /// One logical request (with auth rounds and redirects, without retries). 5xx/429/408 throw
        /// <see cref="TransientResponseException"/>; any other answer is returned for the caller to judge.
        /// </summary>
        public async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> create, IReadOnlyCollection<string> scopes, CancellationToken ct,
            HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
        {
            var baseUri = await BaseUriAsync(ct).ConfigureAwait(false);
            var header = await Auth.AheadOfRequestAsync(scopes, ct).ConfigureAwait(false);
            for (int round = 0; ; round++)
            {
                var request = create(baseUri);
                if (!request.RequestUri!.IsAbsoluteUri) request.RequestUri = new Uri(baseUri, request.RequestUri);
                request.Headers.Authorization = header;
                var response = await SendFollowingRedirectsAsync(request, completion, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized && round < 2)
                {
                    var challenge = AuthChallenge.From(response);
                    if (challenge != null)
                    {
                        var next = await Auth.RespondAsync(challenge, scopes, header, ct).ConfigureAwait(false);
                        if (next != null)
                        {
                            response.Dispose();
                            header = next;
                            continue;
                        }
                    }
                }
                if (RegistryFailures.IsTransientStatus(response.StatusCode))
                    throw await TransientAsync(response).ConfigureAwait(false);
                return response;
            }
        }

        private static async Task<TransientResponseException> TransientAsync(HttpResponseMessage response)
        {
            using (response)
            {
                TimeSpan? after = null;
                var retryAfter = response.Headers.RetryAfter;
                if (retryAfter?.Delta is TimeSpan delta) after = delta;
                else if (retryAfter?.Date is DateTimeOffset date) after = date - DateTimeOffset.UtcNow < TimeSpan.Zero ? TimeSpan.Zero : date - DateTimeOffset.UtcNow;
                string body = "";
                try { body = RegistryErrorBody.Describe(await response.Content.ReadAsStringAsync().ConfigureAwait(false)); }
                catch (Exception) { }
                return new TransientResponseException((int)response.StatusCode, after, body);
            }
        }

        private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
        {
            for (int hop = 0; ; hop++)
            {
                HttpResponseMessage response;
                try { response = await SendRawAsync(request, completion, ct).ConfigureAwait(false); }
                catch
                {
                    // A timeout or reset: close the body's stream (a blob file) now, not at garbage collection.
                    request.Dispose();
                    throw;
                }
                int status = (int)response.StatusCode;
                bool redirect = (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) && response.Headers.Location != null;
                if (!redirect || hop >= MaxRedirects || !(request.Method == HttpMethod.Get || request.Method == HttpMethod.Head))
                {
                    request.Dispose();
                    return response;
                }
                var target = response.Headers.Location!.IsAbsoluteUri ? response.Headers.Location : new Uri(request.RequestUri!, response.Headers.Location);
                var next = new HttpRequestMessage(request.Method, target);
                foreach (var h in request.Headers)
                    if (h.Key != "Authorization") next.Headers.TryAddWithoutValidation(h.Key, h.Value);
                // Blob storage (S3, Azure) behind a redirect gets no registry credentials.
                if (request.Headers.Authorization != null && SameOrigin(request.RequestUri!, target))
                    next.Headers.Authorization = request.Headers.Authorization;
                response.Dispose();
                request.Dispose();
                request = next;
            }
        }

        private static bool SameOrigin(Uri a, Uri b) =>
            string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port && (a.Scheme == b.Scheme || b.Scheme == Uri.UriSchemeHttps);

        private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
        {
            Interlocked.Increment(ref _requestCount);
            var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(_options.RequestTimeout);
            try
            {
                return await _http.SendAsync(request, completion, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer within {_options.RequestTimeout.TotalSeconds:0} s ({request.Method} {request.RequestUri?.AbsolutePath})", e);
            }
            finally
            {
                // Headers are in: a streamed body is read under the caller's own token.
                cts.CancelAfter(Timeout.Infinite);
            }
        }
    }
}
