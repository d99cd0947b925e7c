using System;
using System.Collections.Generic;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// One request the TokenServer answered. Never holds a password, refresh token or issued token.
    /// GrantType: "basic" (GET with Basic credentials), "anonymous" (GET without), "password" or
    /// "refresh_token" (OAuth2 POST), or whatever unsupported grant_type the client sent.
    /// </summary>
    public sealed record TokenRequest(
        DateTimeOffset Time,
        string Method,
        string GrantType,
        string? User,
        string? Service,
        IReadOnlyList<string> Scopes,
        bool Granted,
        int Status,
        IReadOnlyList<TokenAccess> GrantedAccess,
        bool RefreshTokenIssued)
    {
        public override string ToString() =>
            $"{Method} {GrantType} user={User ?? "-"} scopes=[{string.Join(" ", Scopes)}] -> {(Granted ? "GRANT" : "DENY")} {Status}" +
            $" access=[{string.Join(" ", GrantedAccess)}]{(RefreshTokenIssued ? " +refresh_token" : "")}";
    }
}
