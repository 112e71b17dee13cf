using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Vpn.Perf.Api.Auth;

/// <summary>Signs short-lived HS256 access tokens for a user and the session (refresh-token family) they belong to.</summary>
internal sealed class AccessTokenIssuer(JwtOptions options, TimeProvider time)
{
    private readonly SigningCredentials _credentials = new(new SymmetricSecurityKey(options.KeyBytes()), SecurityAlgorithms.HmacSha256);
    private readonly JsonWebTokenHandler _handler = new();

    public TimeSpan Lifetime => options.AccessTokenLifetime;

    public string Issue(Guid userId, string role, Guid sessionId)
    {
        DateTime now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + options.AccessTokenLifetime,
            SigningCredentials = _credentials,
            Subject = new ClaimsIdentity(
            [
                new Claim(ApiClaims.Subject, userId.ToString()),
                new Claim(ApiClaims.Role, role),
                new Claim(ApiClaims.Session, sessionId.ToString()),
            ]),
        });
    }
}
