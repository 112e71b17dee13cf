using System.Collections.Frozen;

namespace Vpn.Perf.Api.SingBox;

/// <summary>The closed value sets of inbound columns and settings, as sing-box 1.12 and 1.13 accept them.</summary>
internal static class InboundValues
{
    public static readonly FrozenDictionary<string, InboundProtocol> Protocols = new Dictionary<string, InboundProtocol>(StringComparer.Ordinal)
    {
        ["vless"] = InboundProtocol.Vless,
        ["vmess"] = InboundProtocol.Vmess,
        ["trojan"] = InboundProtocol.Trojan,
        ["shadowsocks"] = InboundProtocol.Shadowsocks,
        ["hysteria2"] = InboundProtocol.Hysteria2,
        ["tuic"] = InboundProtocol.Tuic,
        ["wireguard"] = InboundProtocol.WireGuard,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, InboundNetwork> Networks = new Dictionary<string, InboundNetwork>(StringComparer.Ordinal)
    {
        ["tcp"] = InboundNetwork.Tcp,
        ["udp"] = InboundNetwork.Udp,
        ["ws"] = InboundNetwork.Ws,
        ["grpc"] = InboundNetwork.Grpc,
        ["http"] = InboundNetwork.Http,
        ["httpupgrade"] = InboundNetwork.HttpUpgrade,
        ["quic"] = InboundNetwork.Quic,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static readonly FrozenDictionary<string, InboundSecurity> Securities = new Dictionary<string, InboundSecurity>(StringComparer.Ordinal)
    {
        ["none"] = InboundSecurity.None,
        ["tls"] = InboundSecurity.Tls,
        ["reality"] = InboundSecurity.Reality,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>uTLS fingerprints sing-box knows; any other value fails with "unknown uTLS fingerprint" (e.g. Hiddify's "none").</summary>
    public static readonly FrozenSet<string> UtlsFingerprints =
        new[] { "chrome", "firefox", "edge", "safari", "360", "qq", "ios", "android", "random", "randomized" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>REALITY needs uTLS; this is the fingerprint when the inbound names none.</summary>
    public const string DefaultRealityFingerprint = "chrome";

    public static readonly FrozenSet<string> VmessSecurities =
        new[] { "auto", "none", "zero", "aes-128-gcm", "chacha20-poly1305", "aes-128-ctr" }.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> ShadowsocksLegacyMethods =
        new[] { "aes-128-gcm", "aes-192-gcm", "aes-256-gcm", "chacha20-ietf-poly1305", "xchacha20-ietf-poly1305" }.ToFrozenSet(StringComparer.Ordinal);

    public const string Ss2022Aes128 = "2022-blake3-aes-128-gcm";
    public const string Ss2022Aes256 = "2022-blake3-aes-256-gcm";
    /// <summary>Refused: sing-box serves it with one shared key only, which cannot attribute usage to a subscription.</summary>
    public const string Ss2022Chacha20 = "2022-blake3-chacha20-poly1305";

    /// <summary>The 2022 methods with per-user keys (<c>server_psk:user_key</c>), hence per-subscription accounting.</summary>
    public static readonly FrozenSet<string> Shadowsocks2022Methods =
        new[] { Ss2022Aes128, Ss2022Aes256 }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Key length in bytes of a 2022 method (the PSK must decode to exactly this).</summary>
    public static int Shadowsocks2022KeyBytes(string method) => method == Ss2022Aes128 ? 16 : 32;

    public static readonly FrozenSet<string> TuicCongestionControls = new[] { "cubic", "new_reno", "bbr" }.ToFrozenSet(StringComparer.Ordinal);

    public static readonly FrozenSet<string> TuicUdpRelayModes = new[] { "native", "quic" }.ToFrozenSet(StringComparer.Ordinal);

    public const string Salamander = "salamander";

    public static string Name(InboundProtocol protocol) => protocol switch
    {
        InboundProtocol.Vless => "vless",
        InboundProtocol.Vmess => "vmess",
        InboundProtocol.Trojan => "trojan",
        InboundProtocol.Shadowsocks => "shadowsocks",
        InboundProtocol.Hysteria2 => "hysteria2",
        InboundProtocol.Tuic => "tuic",
        InboundProtocol.WireGuard => "wireguard",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    public static string Name(InboundNetwork network) => network switch
    {
        InboundNetwork.Tcp => "tcp",
        InboundNetwork.Udp => "udp",
        InboundNetwork.Ws => "ws",
        InboundNetwork.Grpc => "grpc",
        InboundNetwork.Http => "http",
        InboundNetwork.HttpUpgrade => "httpupgrade",
        InboundNetwork.Quic => "quic",
        _ => throw new ArgumentOutOfRangeException(nameof(network)),
    };

    public static string Name(InboundSecurity security) => security switch
    {
        InboundSecurity.None => "none",
        InboundSecurity.Tls => "tls",
        InboundSecurity.Reality => "reality",
        _ => throw new ArgumentOutOfRangeException(nameof(security)),
    };

    public static string List(IEnumerable<string> values) => string.Join(", ", values.Order(StringComparer.Ordinal));
}
