using System.Collections.Immutable;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// A WireGuard inbound: the node's interface. The node generates and keeps its private key; only its public key is
/// here. At least one pool is set; a peer's address is the same index in each (<see cref="WireGuardPool"/>).
/// </summary>
/// <param name="PublicKey">The node's public key, standard base64 of 32 bytes (<c>wg pubkey</c>).</param>
/// <param name="Ipv4Pool">The IPv4 pool, or null.</param>
/// <param name="Ipv6Pool">The IPv6 pool, or null.</param>
/// <param name="Dns">DNS servers the client uses inside the tunnel (IP literals); empty = the client's own.</param>
/// <param name="Mtu">The tunnel MTU; null = the client's default.</param>
/// <param name="PresharedKeys">Whether each peer gets a preshared key (post-quantum hedge; WireGuard's optional PSK).</param>
/// <param name="PersistentKeepalive">Seconds between keepalives from the client (NAT), or null for none.</param>
/// <param name="AllowedIps">What the client routes into the tunnel.</param>
internal sealed record WireGuardSettings(string PublicKey, WireGuardPool? Ipv4Pool, WireGuardPool? Ipv6Pool, ImmutableArray<string> Dns, int? Mtu,
    bool PresharedKeys, int? PersistentKeepalive, ImmutableArray<string> AllowedIps) : ProtocolSettings
{
    /// <summary>What a client routes when the inbound says nothing: everything, both families (no leak around the tunnel).</summary>
    public static readonly ImmutableArray<string> DefaultAllowedIps = ["0.0.0.0/0", "::/0"];

    /// <summary>How many peers the inbound holds: the smaller pool decides, since a peer takes the same index in both.</summary>
    public int Capacity => Math.Min(Ipv4Pool?.Capacity ?? int.MaxValue, Ipv6Pool?.Capacity ?? int.MaxValue);

    /// <summary>The highest index a peer may get.</summary>
    public int LastPeerIndex => WireGuardPool.FirstPeerIndex + Capacity - 1;

    /// <summary>A peer's addresses as single-host prefixes, IPv4 first: its interface addresses, and its allowed IPs on the node.</summary>
    public ImmutableArray<string> PeerAddresses(int index)
    {
        var addresses = ImmutableArray.CreateBuilder<string>(2);
        if (Ipv4Pool is { } v4) addresses.Add(v4.Host(index));
        if (Ipv6Pool is { } v6) addresses.Add(v6.Host(index));
        return addresses.ToImmutable();
    }
}
