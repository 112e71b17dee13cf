using System.Security.Cryptography;
using System.Text;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// The one definition of a node token key (DESIGN.md: 32 characters, shown once, stored as a hash), shared by the
/// token endpoint, node sync and the demo seeder. A 32-character key drawn from 62 symbols carries about 190 bits,
/// so a plain SHA-256 (what Ingest looks up in Redis) needs no slow hash.
/// </summary>
internal static class NodeTokenKey
{
    public const int Length = 32;

    /// <summary>SHA-256 output size: what <c>node_tokens.key_hash</c> holds.</summary>
    public const int HashBytes = 32;

    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Create() => RandomNumberGenerator.GetString(Alphabet, Length);

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// Hashes what a caller presented; false when it cannot be a key (empty or far too long), so hostile input is
    /// never hashed at length. Accepts any length up to 128 like Ingest does: only the lookup decides validity.
    /// </summary>
    public static bool TryHash(ReadOnlySpan<char> presented, out byte[] hash)
    {
        if (presented.IsEmpty || presented.Length > 128)
        {
            hash = [];
            return false;
        }
        Span<byte> utf8 = stackalloc byte[128 * 3]; // at most 3 UTF-8 bytes per UTF-16 char of a 128-char key
        int n = Encoding.UTF8.GetBytes(presented, utf8);
        hash = SHA256.HashData(utf8[..n]);
        return true;
    }
}
