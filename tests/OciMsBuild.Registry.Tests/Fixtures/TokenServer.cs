using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// A Docker/OCI registry token server (the bearer-challenge flow) running in-process on 127.0.0.1:
    /// <list type="bullet">
    /// <item>GET /token?service=S&amp;scope=… with Basic credentials (docker, skopeo, podman) or none
    /// (anonymous: a valid token with an EMPTY access list, so the registry denies everything).</item>
    /// <item>POST /token, OAuth2 form: grant_type=password (username, password) or grant_type=refresh_token
    /// (refresh_token); access_type=offline makes the answer carry a refresh_token.</item>
    /// </list>
    /// Right credentials get what the scopes asked for (unless <see cref="AccessPolicy"/> says otherwise);
    /// wrong ones 401. Every request is recorded in <see cref="Requests"/> without any secret.
    /// </summary>
    public sealed class TokenServer : IDisposable
    {
        private readonly TokenSigner _signer;
        private readonly TempDirectory _dir;
        private readonly LoopbackHost _host;
        private readonly List<TokenRequest> _requests = new();
        private int _expiresInSeconds = 300;

        private TokenServer(string user, string password, string service, string issuer)
        {
            User = user;
            Password = password;
            Service = service;
            Issuer = issuer;
            RefreshToken = "fake-refresh-" + Guid.NewGuid().ToString("N");
            _signer = new TokenSigner(issuer);
            _dir = new TempDirectory("ocimsbuild-token");
            File.WriteAllText(CertificatePath, _signer.CertificatePem);
            try { _host = LoopbackHost.Start(HandleAsync); }
            catch { _dir.Dispose(); _signer.Dispose(); throw; }
        }

        public static TokenServer Start(string user = "tokenuser", string password = "fake-token-password",
            string service = "ocimsbuild-test-registry", string issuer = "ocimsbuild-test-issuer") =>
            new TokenServer(user, password, service, issuer);

        public int Port => _host.Port;

        /// <summary>http://127.0.0.1:PORT/token — the registry's auth.token.realm.</summary>
        public string Realm => $"http://{_host.Host}/token";

        public string Service { get; }

        public string Issuer { get; }

        /// <summary>PEM of the self-signed certificate of the signing key (auth.token.rootcertbundle).</summary>
        public string CertificatePath => _dir.Combine("token-signer.crt");

        /// <summary>The libtrust key id put in each token's "kid" header.</summary>
        public string KeyId => _signer.KeyId;

        public string User { get; }

        public string Password { get; }

        /// <summary>The one opaque refresh token this server accepts (and hands out for access_type=offline).</summary>
        public string RefreshToken { get; }

        /// <summary>Token lifetime ("expires_in" and the JWT's exp); default 300 s.</summary>
        public int ExpiresInSeconds
        {
            get => System.Threading.Volatile.Read(ref _expiresInSeconds);
            set => System.Threading.Volatile.Write(ref _expiresInSeconds, value);
        }

        /// <summary>
        /// Decides what an authenticated (user != null) or anonymous (user == null) request gets out of
        /// what it asked for. Default: authenticated get everything requested, anonymous get nothing.
        /// </summary>
        public Func<string?, IReadOnlyList<TokenAccess>, IReadOnlyList<TokenAccess>> AccessPolicy { get; set; } =
            (user, requested) => user == null ? Array.Empty<TokenAccess>() : requested;

        /// <summary>A snapshot of the requests answered so far, in order.</summary>
        public IReadOnlyList<TokenRequest> Requests { get { lock (_requests) return _requests.ToList(); } }

        public int GrantedCount => Requests.Count(r => r.Granted);

        public int DeniedCount => Requests.Count(r => !r.Granted);

        public void Reset() { lock (_requests) _requests.Clear(); }

        private async Task HandleAsync(HttpContext ctx)
        {
            if (!string.Equals(ctx.Request.Path.Value, "/token", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 404;
                return;
            }
            if (HttpMethods.IsGet(ctx.Request.Method)) await HandleGetAsync(ctx);
            else if (HttpMethods.IsPost(ctx.Request.Method)) await HandlePostAsync(ctx);
            else ctx.Response.StatusCode = 405;
        }

        private Task HandleGetAsync(HttpContext ctx)
        {
            var query = ctx.Request.Query;
            var scopes = query["scope"].SelectMany(SplitScopes).ToList();
            string? service = query["service"];
            var offline = string.Equals(query["offline_token"], "true", StringComparison.OrdinalIgnoreCase);
            var (user, password) = BasicCredentials(ctx.Request);
            if (user == null)
                return GrantAsync(ctx, "GET", "anonymous", null, service, scopes, offline);
            if (user != User || password != Password)
                return DenyAsync(ctx, "GET", "basic", user, service, scopes);
            return GrantAsync(ctx, "GET", "basic", user, service, scopes, offline);
        }

        private async Task HandlePostAsync(HttpContext ctx)
        {
            IFormCollection form;
            try { form = await ctx.Request.ReadFormAsync(); }
            catch (InvalidDataException) { form = FormCollection.Empty; }
            catch (InvalidOperationException) { form = FormCollection.Empty; } // not a form content type
            var scopes = form["scope"].SelectMany(SplitScopes).ToList();
            string? service = form["service"];
            string grantType = form["grant_type"].ToString();
            var offline = string.Equals(form["access_type"], "offline", StringComparison.Ordinal);
            switch (grantType)
            {
                case "password":
                    string? user = form["username"];
                    if (user == User && form["password"] == Password)
                        await GrantAsync(ctx, "POST", grantType, user, service, scopes, offline);
                    else
                        await DenyAsync(ctx, "POST", grantType, user, service, scopes);
                    break;
                case "refresh_token":
                    // The refresh token stands for User; the request may also name the user.
                    if (form["refresh_token"] == RefreshToken && (string.IsNullOrEmpty(form["username"]) || form["username"] == User))
                        await GrantAsync(ctx, "POST", grantType, User, service, scopes, offline);
                    else
                        await DenyAsync(ctx, "POST", grantType, form["username"], service, scopes);
                    break;
                default:
                    await DenyAsync(ctx, "POST", grantType.Length == 0 ? "(none)" : grantType, form["username"], service, scopes, 400, "unsupported_grant_type");
                    break;
            }
        }

        private Task GrantAsync(HttpContext ctx, string method, string grantType, string? user, string? service,
            List<string> scopes, bool offline)
        {
            var requested = scopes.Select(TokenAccess.Parse).ToList();
            var granted = AccessPolicy(user, requested).ToList();
            var lifetime = ExpiresInSeconds;
            var token = _signer.CreateToken(user ?? "", Service, granted, TimeSpan.FromSeconds(lifetime));
            // POST answers carry a refresh token on access_type=offline; GET on offline_token=true (docker login).
            var giveRefresh = offline && user != null;
            Record(new TokenRequest(DateTimeOffset.UtcNow, method, grantType, user, service, scopes, true, 200, granted, giveRefresh));
            var body = new JsonObject
            {
                ["token"] = token,
                ["access_token"] = token,
                ["expires_in"] = lifetime,
                ["issued_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            };
            if (giveRefresh) body["refresh_token"] = RefreshToken;
            return WriteJsonAsync(ctx, 200, body);
        }

        private Task DenyAsync(HttpContext ctx, string method, string grantType, string? user, string? service,
            List<string> scopes, int status = 401, string error = "invalid_grant")
        {
            Record(new TokenRequest(DateTimeOffset.UtcNow, method, grantType, user, service, scopes, false, status, Array.Empty<TokenAccess>(), false));
            var body = new JsonObject
            {
                ["error"] = error,
                ["errors"] = new JsonArray(new JsonObject { ["code"] = "UNAUTHORIZED", ["message"] = "authentication required" }),
            };
            return WriteJsonAsync(ctx, status, body);
        }

        private void Record(TokenRequest request) { lock (_requests) _requests.Add(request); }

        private static async Task WriteJsonAsync(HttpContext ctx, int status, JsonObject body)
        {
            var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            ctx.Response.ContentLength = bytes.Length;
            await ctx.Response.Body.WriteAsync(bytes);
        }

        /// <summary>Scopes may come as several parameters and, in the OAuth2 form, space-separated in one.</summary>
        private static IEnumerable<string> SplitScopes(string? value) =>
            (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        private static (string? User, string? Password) BasicCredentials(HttpRequest request)
        {
            string? header = request.Headers.Authorization;
            if (header == null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return (null, null);
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Substring(6).Trim()));
                var colon = decoded.IndexOf(':');
                return colon < 0 ? (decoded, "") : (decoded.Substring(0, colon), decoded.Substring(colon + 1));
            }
            catch (FormatException) { return ("(undecodable)", null); }
        }

        public void Dispose()
        {
            _host.Dispose();
            _signer.Dispose();
            _dir.Dispose();
        }
    }
}
