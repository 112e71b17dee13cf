using Microsoft.Extensions.Options;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.WireGuard;

/// <summary>Peer key pairs (NSec) checked by OpenSSL's X25519 through Python, and their encryption at rest.</summary>
public sealed class PeerKeysTests
{
    private const string Kek = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private const string OtherKek = "HxwdHhscGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";

    private const string DeriveScript = """
        import sys, base64
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        from cryptography.hazmat.primitives import serialization
        for private in sys.argv[1:]:
            k = X25519PrivateKey.from_private_bytes(base64.b64decode(private))
            print(base64.b64encode(k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode())
        """;

    [Fact]
    public async Task Create_PublicKey_IsWhatAnIndependentX25519DerivesFromThePrivateKey()
    {
        var keys = Enumerable.Range(0, 8).Select(_ => PeerKeys.Create(presharedKey: true)).ToList();
        try
        {
            string[] derived = (await Python.RunAsync(DeriveScript, [.. keys.Select(k => Convert.ToBase64String(k.PrivateKey))])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(keys.Select(k => k.PublicKey), derived);
            Assert.All(keys, k =>
            {
                Assert.Equal(0, k.PrivateKey[0] & 7); // clamped as `wg genkey` clamps
                Assert.Equal(64, k.PrivateKey[31] & 192);
                Assert.Equal(32, k.PresharedKey.Length);
            });
            Assert.Equal(keys.Count, keys.Select(k => k.PublicKey).Distinct().Count());
        }
        finally
        {
            keys.ForEach(k => k.Dispose());
        }
    }

    [Fact]
    public void Protect_RoundTripsOnlyForItsOwnRowAndField()
    {
        var protector = Protector(new WireGuardOptions { KeyEncryptionKey = Kek, KeyEncryptionKeyId = "k1" });
        Guid sub = Guid.NewGuid(), inbound = Guid.NewGuid();
        byte[] key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
        byte[] blob = protector.Protect(key, sub, inbound, PeerSecret.PrivateKey);

        Assert.Equal(PeerKeyProtector.BlobBytes, blob.Length);
        Assert.Equal(-1, blob.AsSpan().IndexOf(key.AsSpan(0, 8))); // no plaintext at rest
        Assert.Equal(Convert.ToBase64String(key), protector.UnprotectToBase64("k1", blob, sub, inbound, PeerSecret.PrivateKey));
        Assert.Null(protector.UnprotectToBase64("k1", blob, Guid.NewGuid(), inbound, PeerSecret.PrivateKey)); // another subscription's row
        Assert.Null(protector.UnprotectToBase64("k1", blob, sub, Guid.NewGuid(), PeerSecret.PrivateKey)); // another inbound's row
        Assert.Null(protector.UnprotectToBase64("k1", blob, sub, inbound, PeerSecret.PresharedKey)); // the other column
        Assert.Null(protector.UnprotectToBase64("k2", blob, sub, inbound, PeerSecret.PrivateKey)); // an unknown key id
        blob[20] ^= 1;
        Assert.Null(protector.UnprotectToBase64("k1", blob, sub, inbound, PeerSecret.PrivateKey)); // tampered
    }

    [Fact]
    public void Protect_AfterRotation_OldBlobsReadWithThePreviousKeyAndNewOnesUseTheNewId()
    {
        Guid sub = Guid.NewGuid(), inbound = Guid.NewGuid();
        byte[] key = new byte[32];
        key[5] = 5;
        byte[] old = Protector(new WireGuardOptions { KeyEncryptionKey = Kek, KeyEncryptionKeyId = "k1" }).Protect(key, sub, inbound, PeerSecret.PrivateKey);

        var rotated = Protector(new WireGuardOptions
        {
            KeyEncryptionKey = OtherKek, KeyEncryptionKeyId = "k2", PreviousKeyEncryptionKeys = new() { ["k1"] = Kek },
        });
        Assert.Equal("k2", rotated.CurrentKeyId);
        Assert.Equal(Convert.ToBase64String(key), rotated.UnprotectToBase64("k1", old, sub, inbound, PeerSecret.PrivateKey));
        byte[] fresh = rotated.Protect(key, sub, inbound, PeerSecret.PrivateKey);
        Assert.Null(rotated.UnprotectToBase64("k1", fresh, sub, inbound, PeerSecret.PrivateKey));
        Assert.NotNull(rotated.UnprotectToBase64("k2", fresh, sub, inbound, PeerSecret.PrivateKey));
    }

    [Theory]
    [InlineData("c2hvcnQ=", "k1")]
    [InlineData(Kek, "")]
    public void Problem_BadSettings_AreNamed(string key, string id)
        => Assert.NotNull(new WireGuardOptions { KeyEncryptionKey = key, KeyEncryptionKeyId = id }.Problem());

    [Fact]
    public void Problem_PreviousKeyUnderTheCurrentId_IsRefused()
        => Assert.NotNull(new WireGuardOptions { KeyEncryptionKey = Kek, KeyEncryptionKeyId = "k1", PreviousKeyEncryptionKeys = new() { ["k1"] = OtherKek } }.Problem());

    private static PeerKeyProtector Protector(WireGuardOptions options) => new(Options.Create(options));
}
