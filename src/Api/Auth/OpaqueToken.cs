using System.Buffers.Text;
using System.Security.Cryptography;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// The bearer tokens the Api hands out and keeps only as a hash: refresh tokens, and the single-use links of
/// verification and reset mail. 32 random bytes in unpadded base64url (43 URL-safe characters); 256 random bits need
/// no slow hash, so the stored form is their SHA-256.
/// </summary>
internal static class OpaqueToken
{
    public const int Bytes = 32;
    public const int Chars = 43; // base64url of 32 bytes, unpadded

    /// <summary>A new token and the hash to store for it.</summary>
    public static (string Token, byte[] Hash) New()
    {
        Span<byte> raw = stackalloc byte[Bytes];
        RandomNumberGenerator.Fill(raw);
        return (Base64Url.EncodeToString(raw), SHA256.HashData(raw));
    }

    /// <summary>The stored form of a presented token, or null when it cannot be one (so hostile input is never hashed).</summary>
    public static byte[]? HashOf(string? presented)
    {
        if (presented is null || presented.Length != Chars) return null;
        Span<byte> raw = stackalloc byte[Bytes + 2];
        if (!Base64Url.TryDecodeFromChars(presented, raw, out int written) || written != Bytes) return null;
        return SHA256.HashData(raw[..Bytes]);
    }
}
