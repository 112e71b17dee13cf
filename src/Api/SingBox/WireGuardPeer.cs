namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// A subscription's peer on a WireGuard inbound, decrypted for its own config: the client's private key, the
/// preshared key when the inbound uses them, and the address index in the inbound's pools. Never logged, never in
/// any other subscription's config.
/// </summary>
/// <param name="PrivateKey">Standard base64 of 32 bytes, as wg-quick reads it.</param>
/// <param name="PresharedKey">Standard base64 of 32 bytes, or null.</param>
/// <param name="AddressIndex">The index of the peer's addresses (<see cref="WireGuardSettings.PeerAddresses"/>).</param>
internal sealed record WireGuardPeer(string PrivateKey, string? PresharedKey, int AddressIndex)
{
    /// <summary>Keeps the keys out of logs and debugger displays that print the record.</summary>
    public override string ToString() => "WireGuardPeer { AddressIndex = " + AddressIndex + " }";
}
