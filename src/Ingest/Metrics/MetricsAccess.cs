using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Ingest.Metrics;

/// <summary>
/// Who may read <c>/metrics</c>: anyone when <c>Ingest:MetricsToken</c> is unset, else only a bearer of that token.
/// Both sides are compared as SHA-256 digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither
/// the content nor the length of the token shows in the answer time.
/// </summary>
internal sealed class MetricsAccess(string? token)
{
    private const string Scheme = "Bearer ";

    private readonly byte[]? _digest = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Allows(HttpRequest request)
    {
        if (_digest is null) return true;
        string presented = request.Headers.Authorization.ToString();
        if (!presented.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented[Scheme.Length..].Trim()), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    public static IResult Challenge(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Text("a bearer token is required (Ingest:MetricsToken)", statusCode: StatusCodes.Status401Unauthorized);
    }
}
