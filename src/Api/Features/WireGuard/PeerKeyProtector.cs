using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>
/// Encrypts a peer's private and preshared keys for Postgres with AES-256-GCM under <see cref="WireGuardOptions.KeyEncryptionKey"/>.
/// A blob is nonce (12) ‖ ciphertext (32) ‖ tag (16), stored with the key's id. The associated data binds it to its row
/// and field (subscription, inbound, which key), so a blob copied into another row, or from the private into the
/// preshared column, fails to decrypt instead of handing one customer another's key.
/// </summary>
internal sealed class PeerKeyProtector
{
    public const int KeyBytes = 32;
    public const int BlobBytes = NonceBytes + KeyBytes + TagBytes;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private readonly string _currentId;

    public PeerKeyProtector(IOptions<WireGuardOptions> options)
    {
        WireGuardOptions o = options.Value;
        _currentId = o.KeyEncryptionKeyId;
        foreach ((string id, string key) in o.PreviousKeyEncryptionKeys) _keys[id] = Convert.FromBase64String(key);
        if (o.KeyEncryptionKey is { } current)
        {
            _keys[_currentId] = Convert.FromBase64String(current);
            IsConfigured = true;
        }
    }

    /// <summary>False without <see cref="WireGuardOptions.KeyEncryptionKey"/>: no peer can be created.</summary>
    public bool IsConfigured { get; }

    /// <summary>The id <see cref="Protect"/> stores beside its blobs.</summary>
    public string CurrentKeyId => _currentId;

    /// <summary>Encrypts a 32-byte key of peer (<paramref name="subscriptionId"/>, <paramref name="inboundId"/>) under the current key.</summary>
    public byte[] Protect(ReadOnlySpan<byte> key, Guid subscriptionId, Guid inboundId, PeerSecret which)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"A WireGuard key is {KeyBytes} bytes, not {key.Length}.", nameof(key));
        if (!IsConfigured) throw new InvalidOperationException("WireGuard:KeyEncryptionKey is not set.");
        byte[] blob = new byte[BlobBytes];
        Span<byte> nonce = blob.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce); // random 96-bit nonces: safe far beyond the peers one key will ever encrypt
        Span<byte> aad = stackalloc byte[33];
        AssociatedData(subscriptionId, inboundId, which, aad);
        using var aes = new AesGcm(_keys[_currentId], TagBytes);
        aes.Encrypt(nonce, key, blob.AsSpan(NonceBytes, KeyBytes), blob.AsSpan(NonceBytes + KeyBytes, TagBytes), aad);
        return blob;
    }

    /// <summary>False when the key id is unknown (retired from configuration) or the blob does not authenticate for this row and field.</summary>
    public bool TryUnprotect(string keyId, ReadOnlySpan<byte> blob, Guid subscriptionId, Guid inboundId, PeerSecret which, Span<byte> key)
    {
        if (blob.Length != BlobBytes || key.Length != KeyBytes || !_keys.TryGetValue(keyId, out byte[]? kek)) return false;
        Span<byte> aad = stackalloc byte[33];
        AssociatedData(subscriptionId, inboundId, which, aad);
        using var aes = new AesGcm(kek, TagBytes);
        try
        {
            aes.Decrypt(blob[..NonceBytes], blob.Slice(NonceBytes, KeyBytes), blob.Slice(NonceBytes + KeyBytes, TagBytes), key, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            key.Clear();
            return false;
        }
    }

    /// <summary>The key as base64, or null when it cannot be decrypted (see <see cref="TryUnprotect"/>).</summary>
    public string? UnprotectToBase64(string keyId, ReadOnlySpan<byte> blob, Guid subscriptionId, Guid inboundId, PeerSecret which)
    {
        Span<byte> key = stackalloc byte[KeyBytes];
        try
        {
            return TryUnprotect(keyId, blob, subscriptionId, inboundId, which, key) ? Convert.ToBase64String(key) : null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static void AssociatedData(Guid subscriptionId, Guid inboundId, PeerSecret which, Span<byte> aad)
    {
        subscriptionId.TryWriteBytes(aad, bigEndian: true, out _);
        inboundId.TryWriteBytes(aad[16..], bigEndian: true, out _);
        aad[32] = (byte)which;
    }
}
