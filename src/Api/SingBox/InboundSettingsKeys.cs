namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// The keys of <c>inbounds.settings</c> (snake_case, documented in docs/inbound-settings.md). Any other key is refused,
/// so a typo or an Xray-style key never reaches a client.
/// </summary>
internal static class InboundSettingsKeys
{
    public const string Flow = "flow";
    public const string Security = "security";
    public const string Method = "method";
    public const string ServerPsk = "server_psk";
    public const string Obfs = "obfs";
    public const string ObfsPassword = "obfs_password";
    public const string UpMbps = "up_mbps";
    public const string DownMbps = "down_mbps";
    public const string CongestionControl = "congestion_control";
    public const string UdpRelayMode = "udp_relay_mode";
    public const string ZeroRttHandshake = "zero_rtt_handshake";
    public const string ServerName = "server_name";
    public const string Alpn = "alpn";
    public const string UtlsFingerprint = "utls_fingerprint";
    public const string Insecure = "insecure";
    public const string RealityPublicKey = "reality_public_key";
    public const string RealityShortId = "reality_short_id";
    public const string Path = "path";
    public const string HostHeader = "host_header";
    public const string MaxEarlyData = "max_early_data";
    public const string ServiceName = "service_name";
    public const string PublicKey = "public_key";
    public const string Ipv4Pool = "ipv4_pool";
    public const string Ipv6Pool = "ipv6_pool";
    public const string Dns = "dns";
    public const string Mtu = "mtu";
    public const string PresharedKeys = "preshared_keys";
    public const string PersistentKeepalive = "persistent_keepalive";
    public const string AllowedIps = "allowed_ips";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Flow, Security, Method, ServerPsk, Obfs, ObfsPassword, UpMbps, DownMbps, CongestionControl, UdpRelayMode,
        ZeroRttHandshake, ServerName, Alpn, UtlsFingerprint, Insecure, RealityPublicKey, RealityShortId, Path, HostHeader,
        MaxEarlyData, ServiceName, PublicKey, Ipv4Pool, Ipv6Pool, Dns, Mtu, PresharedKeys, PersistentKeepalive, AllowedIps,
    };
}
