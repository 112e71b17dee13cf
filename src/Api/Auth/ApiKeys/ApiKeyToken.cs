using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// The one definition of an API key: <c>vpk_</c> and 32 random bytes as unpadded base64url (47 characters). The
/// prefix tells a key from a JWT in <c>Authorization: Bearer</c> and makes a leaked key recognisable to secret
/// scanners; 256 random bits make a plain SHA-256 (what <c>api_keys.key_hash</c> holds) safe, no slow hash needed.
/// </summary>
internal static class ApiKeyToken
{
    public const string Prefix = "vpk_";

    public const int RandomBytes = 32;

    /// <summary><see cref="Prefix"/> plus 43 base64url characters.</summary>
    public const int Length = 47;

    /// <summary>How much of a key is kept in clear and listed, so its owner can tell keys apart: the prefix and 8 characters (48 bits).</summary>
    public const int DisplayLength = 12;

    public static string Create()
    {
        Span<byte> random = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(random);
        return Prefix + Base64Url.EncodeToString(random);
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string Display(string key) => key[..DisplayLength];

    /// <summary>True when a bearer credential is an API key rather than a JWT (which never starts with <c>vpk_</c>).</summary>
    public static bool LooksLikeKey(ReadOnlySpan<char> credential) => credential.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// Hashes what a caller presented; false when it cannot be a key (wrong prefix or length), so hostile input is never
    /// hashed at length and never reaches the database. Only the lookup decides whether a well-formed key is valid.
    /// </summary>
    public static bool TryHash(ReadOnlySpan<char> presented, out byte[] hash)
    {
        if (presented.Length != Length || !LooksLikeKey(presented))
        {
            hash = [];
            return false;
        }
        Span<byte> utf8 = stackalloc byte[Length * 3];
        int n = Encoding.UTF8.GetBytes(presented, utf8);
        hash = SHA256.HashData(utf8[..n]);
        return true;
    }
}
