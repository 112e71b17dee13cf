using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// An address pool of a WireGuard inbound (<c>ipv4_pool</c> or <c>ipv6_pool</c>, a CIDR network). Address i is the
/// network address plus i: 0 is the network itself, 1 the node's interface, 2 onwards the peers; in IPv4 the last address
/// (broadcast) is never handed out either. The same index addresses a peer in both pools.
/// </summary>
internal sealed class WireGuardPool
{
    /// <summary>The index of the node's own address; peers start right after it.</summary>
    public const int ServerIndex = 1;

    public const int FirstPeerIndex = 2;

    private readonly UInt128 _network;

    private WireGuardPool(AddressFamily family, UInt128 network, int prefixLength, int capacity)
    {
        Family = family;
        _network = network;
        PrefixLength = prefixLength;
        Capacity = capacity;
    }

    public AddressFamily Family { get; }

    public int PrefixLength { get; }

    /// <summary>How many peers fit (at most <see cref="int.MaxValue"/> − 2, so every index is an <c>integer</c> column value).</summary>
    public int Capacity { get; }

    /// <summary>The highest peer index: <see cref="FirstPeerIndex"/> + <see cref="Capacity"/> − 1.</summary>
    public int LastPeerIndex => FirstPeerIndex + Capacity - 1;

    /// <summary>The pool in CIDR notation, as configured (the network address and prefix length).</summary>
    public override string ToString() => Format(_network) + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);

    /// <summary>Address <paramref name="index"/> of the pool, without prefix length.</summary>
    public string Address(int index)
    {
        if ((uint)index > (uint)LastPeerIndex) throw new ArgumentOutOfRangeException(nameof(index), index, $"The pool {this} has indexes up to {LastPeerIndex}.");
        return Format(_network + (UInt128)index);
    }

    /// <summary>The node's interface address with the pool's prefix length (e.g. <c>10.66.0.1/16</c>), as <c>ip address add</c> takes it.</summary>
    public string NodeInterface => Address(ServerIndex) + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);

    /// <summary>Address <paramref name="index"/> as a single-host prefix (<c>/32</c> or <c>/128</c>): a peer's address and its allowed IPs on the node.</summary>
    public string Host(int index) => Address(index) + (Family == AddressFamily.InterNetwork ? "/32" : "/128");

    /// <summary>
    /// Parses <paramref name="cidr"/> as a pool of <paramref name="family"/>; on failure <paramref name="error"/> says what to change
    /// (not CIDR, the other family, host bits set, too small to hold a peer).
    /// </summary>
    public static bool TryParse(string cidr, AddressFamily family, [NotNullWhen(true)] out WireGuardPool? pool, [NotNullWhen(false)] out string? error)
    {
        pool = null;
        bool v4 = family == AddressFamily.InterNetwork;
        int bits = v4 ? 32 : 128;
        int slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr.AsSpan(0, slash), out IPAddress? address) || cidr.Contains('%')
            || !int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int prefix) || prefix > bits)
        {
            error = v4 ? "Must be an IPv4 network in CIDR notation, e.g. 10.66.0.0/16." : "Must be an IPv6 network in CIDR notation, e.g. fd42:66::/64.";
            return false;
        }
        if (address.AddressFamily != family)
        {
            error = v4 ? "Must be an IPv4 network (the IPv6 pool is ipv6_pool)." : "Must be an IPv6 network (the IPv4 pool is ipv4_pool).";
            return false;
        }
        UInt128 value = ToUInt128(address);
        UInt128 hostMask = prefix == bits ? UInt128.Zero : (UInt128.One << (bits - prefix)) - UInt128.One;
        if ((value & hostMask) != UInt128.Zero)
        {
            error = $"Has host bits set; the network is {Format(value & ~hostMask, v4)}/{prefix.ToString(CultureInfo.InvariantCulture)}.";
            return false;
        }
        // The network address, the node's address and (IPv4) the broadcast address are not for peers.
        int reserved = v4 ? 3 : 2;
        int hostBits = bits - prefix;
        long capacity = hostBits >= 31 ? int.MaxValue - FirstPeerIndex : (1L << hostBits) - reserved;
        if (capacity < 1)
        {
            error = string.Create(CultureInfo.InvariantCulture,
                $"A /{prefix} holds no peer beside the network{(v4 ? ", broadcast" : "")} and node addresses; use /{(v4 ? 30 : 126)} or larger (shorter prefix).");
            return false;
        }
        pool = new WireGuardPool(family, value, prefix, (int)Math.Min(capacity, int.MaxValue - FirstPeerIndex));
        error = null;
        return true;
    }

    private string Format(UInt128 value) => Format(value, Family == AddressFamily.InterNetwork);

    private static string Format(UInt128 value, bool v4)
    {
        if (v4) return new IPAddress(BinaryPrimitives.ReverseEndianness((uint)value)).ToString();
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }

    private static UInt128 ToUInt128(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
