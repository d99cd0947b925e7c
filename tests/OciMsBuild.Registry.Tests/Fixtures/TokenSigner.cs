using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// An RSA key, its self-signed certificate (what the registry trusts as rootcertbundle) and RS256
    /// JWT signing with the libtrust "kid" that distribution 2.8 matches against that certificate.
    /// </summary>
    public sealed class TokenSigner : IDisposable
    {
        private readonly RSA _key;

        public TokenSigner(string issuer)
        {
            Issuer = issuer;
            _key = RSA.Create(2048);
            KeyId = LibtrustKeyId.Compute(_key);
            var request = new CertificateRequest("CN=" + issuer, _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
            CertificatePem = cert.ExportCertificatePem() + "\n";
        }

        public string Issuer { get; }

        public string KeyId { get; }

        public string CertificatePem { get; }

        /// <summary>A signed JWT with iss/sub/aud/exp/nbf/iat/jti/access claims.</summary>
        public string CreateToken(string subject, string audience, IEnumerable<TokenAccess> access, TimeSpan lifetime)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = KeyId };
            var accessArray = new JsonArray();
            foreach (var a in access)
                accessArray.Add(new JsonObject
                {
                    ["type"] = a.Type,
                    ["name"] = a.Name,
                    ["actions"] = new JsonArray(a.Actions.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
                });
            var claims = new JsonObject
            {
                ["iss"] = Issuer,
                ["sub"] = subject,
                ["aud"] = audience,
                ["exp"] = now + (long)Math.Ceiling(lifetime.TotalSeconds),
                ["nbf"] = now - 10, // tolerate a little clock skew between the registry and this process
                ["iat"] = now,
                ["jti"] = Guid.NewGuid().ToString("N"),
                ["access"] = accessArray,
            };
            var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
            // RS256 = RSASSA-PKCS1-v1_5 with SHA-256.
            var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return signingInput + "." + Base64Url(signature);
        }

        /// <summary>The claims of a JWT (no verification): lets tests look at what a client was given.</summary>
        public static JsonObject DecodeClaims(string jwt)
        {
            var parts = jwt.Split('.');
            if (parts.Length != 3) throw new FormatException("Not a JWT");
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            return JsonNode.Parse(Convert.FromBase64String(payload))!.AsObject();
        }

        private static string Base64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public void Dispose() => _key.Dispose();
    }
}
