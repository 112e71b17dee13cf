using System.Security.Cryptography;
using NSec.Cryptography;

namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>A fresh peer's keys: an X25519 key pair from NSec (libsodium) and, when the inbound asks, a preshared key.</summary>
internal sealed class PeerKeys : IDisposable
{
    private readonly byte[] _privateKey;
    private readonly byte[]? _presharedKey;

    private PeerKeys(byte[] privateKey, string publicKey, byte[]? presharedKey)
    {
        _privateKey = privateKey;
        PublicKey = publicKey;
        _presharedKey = presharedKey;
    }

    /// <summary>Standard base64, as <c>wg pubkey</c> prints it.</summary>
    public string PublicKey { get; }

    public ReadOnlySpan<byte> PrivateKey => _privateKey;

    /// <summary>Empty when the inbound uses no preshared keys.</summary>
    public ReadOnlySpan<byte> PresharedKey => _presharedKey;

    public bool HasPresharedKey => _presharedKey is not null;

    public static PeerKeys Create(bool presharedKey)
    {
        var creation = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        using var key = Key.Create(KeyAgreementAlgorithm.X25519, creation);
        byte[] privateKey = key.Export(KeyBlobFormat.RawPrivateKey);
        // Clamped as `wg genkey` clamps: X25519 clamps the scalar on every use, so the public key is the same, and the
        // key a customer sees is byte for byte what WireGuard's own tools would have made.
        privateKey[0] &= 248;
        privateKey[31] = (byte)((privateKey[31] & 127) | 64);
        string publicKey = Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
        byte[]? psk = presharedKey ? RandomNumberGenerator.GetBytes(PeerKeyProtector.KeyBytes) : null;
        return new PeerKeys(privateKey, publicKey, psk);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        if (_presharedKey is not null) CryptographicOperations.ZeroMemory(_presharedKey);
    }
}
