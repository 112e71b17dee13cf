using System.Text;

namespace Vpn.Perf.Api.Auth;

/// <summary>Access-token settings (section <c>Auth</c>). The signing key comes from configuration, never from code.</summary>
internal sealed class JwtOptions
{
    public const string Section = "Auth";

    /// <summary>HS256 needs a key of at least 256 bits (RFC 7518 §3.2).</summary>
    public const int MinKeyBytes = 32;

    public string Issuer { get; set; } = "vpn-perf";
    public string Audience { get; set; } = "vpn-perf-api";
    public string SigningKey { get; set; } = "";
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Allowed clock difference between the Api instances that issue and validate tokens.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest time a session's or user's revocation state is trusted from memory without a fresh read: the
    /// backstop should a NOTIFY be lost (normally a change arrives within milliseconds).
    /// </summary>
    public TimeSpan RevocationCacheMaxAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the auth_changed LISTEN connection may stay silent before it is probed.</summary>
    public TimeSpan RevocationListenProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    public byte[] KeyBytes()
    {
        byte[] key = Encoding.UTF8.GetBytes(SigningKey);
        if (key.Length < MinKeyBytes)
        {
            throw new InvalidOperationException(
                $"Auth:SigningKey is {key.Length} bytes; HS256 needs at least {MinKeyBytes} (set env Auth__SigningKey to a random secret, e.g. `openssl rand -base64 48`).");
        }
        return key;
    }
}
