using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Registry
{
    /// <summary>
    /// Answers a registry's WWW-Authenticate challenges for one registry and one kind of access:
    /// Basic with the found credential, or Bearer tokens from the challenge's realm (GET with Basic
    /// or anonymous; the OAuth2 POST form with an identity token), cached per scope until expiry.
    /// </summary>
    public sealed class RegistryAuthenticator
    {
        private readonly RegistryEndpoint _endpoint;
        private readonly RegistryAccess _access;
        private readonly CredentialResolver _credentials;
        private readonly HttpClient _http;
        private readonly TokenCache _tokens;
        private readonly object _gate = new object();
        private readonly RegistryProbe _probe;
        private CredentialLookup? _lookup;

        public RegistryAuthenticator(RegistryEndpoint endpoint, RegistryAccess access, CredentialResolver credentials, HttpClient http, TokenCache tokens, RegistryProbe? probe = null)
        {
            _probe = probe ?? new RegistryProbe();
            _endpoint = endpoint;
            _access = access;
            _credentials = credentials;
            _http = http;
            _tokens = tokens;
        }

        /// <summary>Token requests made (for tests and the log).</summary>
        public int TokenRequests;

        public RegistryAccess Access => _access;

        /// <summary>The sources looked at, for a 401 message ('anonymous' when none had a credential).</summary>
        public string DescribeCredentialSources()
        {
            var lookup = Lookup();
            if (lookup.Credential != null) return lookup.Credential.ToString() + " (tried: " + string.Join("; ", lookup.Tried) + ")";
            return "no credential found, so anonymous access was used (tried: " + string.Join("; ", lookup.Tried) + ")";
        }

        public void Learn(AuthChallenge? challenge) => _probe.Learn(challenge);

        private CredentialLookup Lookup()
        {
            lock (_gate) return _lookup ??= _credentials.Find(_endpoint.Registry, _access);
        }

        /// <summary>The Authorization header for a request needing <paramref name="scopes"/>, from what is known so far.</summary>
        public AuthenticationHeaderValue? CachedHeader(IReadOnlyCollection<string> scopes)
        {
            var challenge = _probe.Challenge;
            if (challenge == null) return null;
            if (challenge.IsBasic) return BasicHeader();
            if (!challenge.IsBearer || challenge.Realm == null) return null;
            var token = _tokens.Get(TokenKey(challenge, ScopeText(challenge, scopes)));
            return token == null ? null : new AuthenticationHeaderValue("Bearer", token);
        }

        /// <summary>
        /// Before the first request for a new scope set: when the registry is known to want Bearer tokens,
        /// fetch the token now instead of learning it from a 401 (one round trip less per scope set, as
        /// Docker does). Null when nothing is known or the registry wants Basic (see <see cref="CachedHeader"/>).
        /// </summary>
        public async Task<AuthenticationHeaderValue?> AheadOfRequestAsync(IReadOnlyCollection<string> scopes, CancellationToken ct)
        {
            var cached = CachedHeader(scopes);
            if (cached != null) return cached;
            var challenge = _probe.Challenge;
            if (challenge == null || !challenge.IsBearer || string.IsNullOrEmpty(challenge.Realm)) return null;
            return await RespondAsync(challenge, scopes, null, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// After a 401: obtains what the challenge asks for. Returns null when there is nothing new
        /// to try (e.g. Basic without a credential).
        /// </summary>
        public async Task<AuthenticationHeaderValue?> RespondAsync(AuthChallenge challenge, IReadOnlyCollection<string> scopes, AuthenticationHeaderValue? rejected, CancellationToken ct)
        {
            Learn(challenge);
            if (challenge.IsBasic)
            {
                var basic = BasicHeader();
                return basic == null || SameHeader(basic, rejected) ? null : basic;
            }
            if (!challenge.IsBearer || string.IsNullOrEmpty(challenge.Realm))
                throw new OciException(ErrorCodes.RegistryError,
                    $"Registry {_endpoint.Registry} asks for '{challenge.Scheme}' authentication, which OciMsBuild does not support (Bearer and Basic are).");
            var scope = ScopeText(challenge, scopes);
            var key = TokenKey(challenge, scope);
            var cached = _tokens.Get(key);
            if (cached != null && (rejected == null || rejected.Parameter != cached))
                return new AuthenticationHeaderValue("Bearer", cached);
            _tokens.Remove(key);
            var (token, lifetime) = await FetchTokenAsync(challenge, scope, ct).ConfigureAwait(false);
            _tokens.Put(key, token, lifetime);
            var header = new AuthenticationHeaderValue("Bearer", token);
            return SameHeader(header, rejected) ? null : header;
        }

        /// <summary>
        /// Per access too: pull and push may use different credentials (the SDK's SOURCE/PUSH variables),
        /// and the token cache is shared by every session of a build, so a token one credential got must
        /// never serve the other, even for the same scope.
        /// </summary>
        private string TokenKey(AuthChallenge challenge, string scope) => _access + "\n" + TokenCache.Key(challenge.Realm!, challenge.Service, scope);

        private static bool SameHeader(AuthenticationHeaderValue a, AuthenticationHeaderValue? b) =>
            b != null && a.Scheme == b.Scheme && a.Parameter == b.Parameter;

        private AuthenticationHeaderValue? BasicHeader()
        {
            var credential = Lookup().Credential;
            if (credential?.Username == null || credential.Password == null) return null;
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Password)));
        }

        /// <summary>The challenge's own scope plus ours, sorted, so equal needs share one token.</summary>
        private static string ScopeText(AuthChallenge challenge, IReadOnlyCollection<string> scopes)
        {
            var all = new SortedSet<string>(scopes, StringComparer.Ordinal);
            foreach (var s in (challenge.Scope ?? "").Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries)) all.Add(s);
            return string.Join(" ", all);
        }

        private async Task<(string Token, TimeSpan Lifetime)> FetchTokenAsync(AuthChallenge challenge, string scope, CancellationToken ct)
        {
            Interlocked.Increment(ref TokenRequests);
            var credential = Lookup().Credential;
            var scopes = scope.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            HttpRequestMessage request;
            if (credential?.IdentityToken != null)
            {
                // OAuth2 refresh-token grant: the identity token is not a password and must not go out as Basic.
                var form = new List<KeyValuePair<string, string>>
                {
                    new KeyValuePair<string, string>("grant_type", "refresh_token"),
                    new KeyValuePair<string, string>("refresh_token", credential.IdentityToken),
                    new KeyValuePair<string, string>("client_id", "ocimsbuild"),
                    new KeyValuePair<string, string>("scope", scope),
                };
                if (challenge.Service != null) form.Add(new KeyValuePair<string, string>("service", challenge.Service));
                request = new HttpRequestMessage(HttpMethod.Post, challenge.Realm) { Content = new FormUrlEncodedContent(form) };
            }
            else
            {
                var query = new StringBuilder();
                if (challenge.Service != null) query.Append("service=").Append(Uri.EscapeDataString(challenge.Service));
                foreach (var s in scopes) query.Append(query.Length == 0 ? "" : "&").Append("scope=").Append(Uri.EscapeDataString(s));
                var realm = challenge.Realm!;
                request = new HttpRequestMessage(HttpMethod.Get, realm + (query.Length == 0 ? "" : (realm.Contains("?") ? "&" : "?") + query));
                request.Headers.Authorization = BasicHeader();
            }
            using (request)
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                cts.CancelAfter(TimeSpan.FromSeconds(60));
                HttpResponseMessage response;
                try { response = await _http.SendAsync(request, cts.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !ct.IsCancellationRequested)
                {
                    throw new OciException(ErrorCodes.RegistryUnreachable,
                        $"Could not reach the token service {RealmForMessage(challenge)} of registry {_endpoint.Registry}: {RegistryFailures.Describe(e)}", e);
                }
                using (response)
                {
                    var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
                        throw new OciException(ErrorCodes.RegistryUnauthorized,
                            $"The token service {RealmForMessage(challenge)} of registry {_endpoint.Registry} refused the credential ({(int)response.StatusCode}) for {scope}. Credential used: {DescribeCredentialSources()}. {CredentialAdvice.ForUnauthorized(_endpoint.Registry, _access)}");
                    if (!response.IsSuccessStatusCode)
                        throw new OciException(ErrorCodes.RegistryError,
                            $"The token service {RealmForMessage(challenge)} of registry {_endpoint.Registry} answered {(int)response.StatusCode}: {RegistryErrorBody.Describe(body)}");
                    JObject json;
                    try { json = JObject.Parse(body); }
                    catch (Newtonsoft.Json.JsonException) { throw new OciException(ErrorCodes.RegistryError, $"The token service {RealmForMessage(challenge)} of registry {_endpoint.Registry} did not answer JSON."); }
                    var token = (string?)json["token"] ?? (string?)json["access_token"];
                    if (string.IsNullOrEmpty(token))
                        throw new OciException(ErrorCodes.RegistryError, $"The token service {RealmForMessage(challenge)} of registry {_endpoint.Registry} answered without a token.");
                    // The spec's default lifetime is 60 s when expires_in is missing.
                    var seconds = (int?)json["expires_in"] ?? 60;
                    return (token!, TimeSpan.FromSeconds(Math.Max(seconds, 10)));
                }
            }
        }

        private static string RealmForMessage(AuthChallenge challenge)
        {
            var realm = challenge.Realm ?? "";
            int q = realm.IndexOf('?');
            return q >= 0 ? realm.Substring(0, q) : realm;
        }
    }
}
