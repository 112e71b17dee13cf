namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>
/// Section <c>WireGuard</c> (docs/wireguard.md, "Keys at rest"): the key that encrypts peers' private and preshared keys
/// in Postgres. Required before a WireGuard inbound can be created or a subscription linked to one; without it the Api
/// runs and serves every other protocol.
/// </summary>
internal sealed class WireGuardOptions
{
    public const string Section = "WireGuard";

    /// <summary>Standard base64 of 32 random bytes (<c>openssl rand -base64 32</c>): AES-256-GCM encrypts new peers' keys with it.</summary>
    public string? KeyEncryptionKey { get; set; }

    /// <summary>The name stored beside every ciphertext made with <see cref="KeyEncryptionKey"/>, so that key can be rotated.</summary>
    public string KeyEncryptionKeyId { get; set; } = "1";

    /// <summary>Retired keys by id (base64 as above): still decrypt the peers they encrypted, never encrypt.</summary>
    public Dictionary<string, string> PreviousKeyEncryptionKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Why the settings cannot be used, or null; checked at start so a bad key stops the Api instead of a link.</summary>
    public string? Problem()
    {
        if (KeyEncryptionKey is not null && !IsKey(KeyEncryptionKey)) return "WireGuard:KeyEncryptionKey must be standard base64 of exactly 32 bytes (openssl rand -base64 32).";
        if (KeyEncryptionKeyId.Length is 0 or > 32) return "WireGuard:KeyEncryptionKeyId must be 1 to 32 characters.";
        foreach ((string id, string key) in PreviousKeyEncryptionKeys)
        {
            if (!IsKey(key)) return $"WireGuard:PreviousKeyEncryptionKeys:{id} must be standard base64 of exactly 32 bytes.";
            if (id == KeyEncryptionKeyId) return $"WireGuard:PreviousKeyEncryptionKeys names the current key id '{id}'; give the new key a new id.";
        }
        return null;
    }

    internal static bool IsKey(string base64)
    {
        Span<byte> key = stackalloc byte[33]; // one spare byte to notice a longer key
        return Convert.TryFromBase64String(base64, key, out int written) && written == 32;
    }
}
