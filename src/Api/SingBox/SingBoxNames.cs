using System.Text.Json;

namespace Vpn.Perf.Api.SingBox;

/// <summary>sing-box property names and fixed values, encoded once (the writer then skips escaping them).</summary>
internal static class SingBoxNames
{
    public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    public static readonly JsonEncodedText Tag = JsonEncodedText.Encode("tag");
    public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
    public static readonly JsonEncodedText ServerPort = JsonEncodedText.Encode("server_port");
    public static readonly JsonEncodedText Uuid = JsonEncodedText.Encode("uuid");
    public static readonly JsonEncodedText Flow = JsonEncodedText.Encode("flow");
    public static readonly JsonEncodedText Security = JsonEncodedText.Encode("security");
    public static readonly JsonEncodedText Password = JsonEncodedText.Encode("password");
    public static readonly JsonEncodedText Method = JsonEncodedText.Encode("method");
    public static readonly JsonEncodedText UpMbps = JsonEncodedText.Encode("up_mbps");
    public static readonly JsonEncodedText DownMbps = JsonEncodedText.Encode("down_mbps");
    public static readonly JsonEncodedText Obfs = JsonEncodedText.Encode("obfs");
    public static readonly JsonEncodedText CongestionControl = JsonEncodedText.Encode("congestion_control");
    public static readonly JsonEncodedText UdpRelayMode = JsonEncodedText.Encode("udp_relay_mode");
    public static readonly JsonEncodedText ZeroRttHandshake = JsonEncodedText.Encode("zero_rtt_handshake");
    public static readonly JsonEncodedText Tls = JsonEncodedText.Encode("tls");
    public static readonly JsonEncodedText Enabled = JsonEncodedText.Encode("enabled");
    public static readonly JsonEncodedText ServerName = JsonEncodedText.Encode("server_name");
    public static readonly JsonEncodedText Insecure = JsonEncodedText.Encode("insecure");
    public static readonly JsonEncodedText Alpn = JsonEncodedText.Encode("alpn");
    public static readonly JsonEncodedText Utls = JsonEncodedText.Encode("utls");
    public static readonly JsonEncodedText Fingerprint = JsonEncodedText.Encode("fingerprint");
    public static readonly JsonEncodedText Reality = JsonEncodedText.Encode("reality");
    public static readonly JsonEncodedText PublicKey = JsonEncodedText.Encode("public_key");
    public static readonly JsonEncodedText ShortId = JsonEncodedText.Encode("short_id");
    public static readonly JsonEncodedText Transport = JsonEncodedText.Encode("transport");
    public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
    public static readonly JsonEncodedText Headers = JsonEncodedText.Encode("headers");
    public static readonly JsonEncodedText HostHeader = JsonEncodedText.Encode("Host");
    public static readonly JsonEncodedText Host = JsonEncodedText.Encode("host");
    public static readonly JsonEncodedText MaxEarlyData = JsonEncodedText.Encode("max_early_data");
    public static readonly JsonEncodedText EarlyDataHeaderName = JsonEncodedText.Encode("early_data_header_name");
    public static readonly JsonEncodedText ServiceName = JsonEncodedText.Encode("service_name");
    public static readonly JsonEncodedText Outbounds = JsonEncodedText.Encode("outbounds");
    public static readonly JsonEncodedText Default = JsonEncodedText.Encode("default");
    public static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
    public static readonly JsonEncodedText Interval = JsonEncodedText.Encode("interval");
    public static readonly JsonEncodedText Tolerance = JsonEncodedText.Encode("tolerance");

    public static readonly JsonEncodedText Vless = JsonEncodedText.Encode("vless");
    public static readonly JsonEncodedText Vmess = JsonEncodedText.Encode("vmess");
    public static readonly JsonEncodedText Trojan = JsonEncodedText.Encode("trojan");
    public static readonly JsonEncodedText Shadowsocks = JsonEncodedText.Encode("shadowsocks");
    public static readonly JsonEncodedText Hysteria2 = JsonEncodedText.Encode("hysteria2");
    public static readonly JsonEncodedText Tuic = JsonEncodedText.Encode("tuic");
    public static readonly JsonEncodedText WireGuard = JsonEncodedText.Encode("wireguard");
    public static readonly JsonEncodedText Endpoints = JsonEncodedText.Encode("endpoints");
    public static readonly JsonEncodedText Mtu = JsonEncodedText.Encode("mtu");
    public static readonly JsonEncodedText Address = JsonEncodedText.Encode("address");
    public static readonly JsonEncodedText PrivateKey = JsonEncodedText.Encode("private_key");
    public static readonly JsonEncodedText Peers = JsonEncodedText.Encode("peers");
    public static readonly JsonEncodedText Port = JsonEncodedText.Encode("port");
    public static readonly JsonEncodedText PreSharedKey = JsonEncodedText.Encode("pre_shared_key");
    public static readonly JsonEncodedText AllowedIps = JsonEncodedText.Encode("allowed_ips");
    public static readonly JsonEncodedText PersistentKeepaliveInterval = JsonEncodedText.Encode("persistent_keepalive_interval");
    public static readonly JsonEncodedText Selector = JsonEncodedText.Encode("selector");
    public static readonly JsonEncodedText UrlTest = JsonEncodedText.Encode("urltest");
    public static readonly JsonEncodedText Ws = JsonEncodedText.Encode("ws");
    public static readonly JsonEncodedText Grpc = JsonEncodedText.Encode("grpc");
    public static readonly JsonEncodedText Http = JsonEncodedText.Encode("http");
    public static readonly JsonEncodedText HttpUpgrade = JsonEncodedText.Encode("httpupgrade");
    public static readonly JsonEncodedText Quic = JsonEncodedText.Encode("quic");
    public static readonly JsonEncodedText Salamander = JsonEncodedText.Encode("salamander");
    public static readonly JsonEncodedText SecWebSocketProtocol = JsonEncodedText.Encode("Sec-WebSocket-Protocol");

    public static JsonEncodedText Of(InboundProtocol protocol) => protocol switch
    {
        InboundProtocol.Vless => Vless,
        InboundProtocol.Vmess => Vmess,
        InboundProtocol.Trojan => Trojan,
        InboundProtocol.Shadowsocks => Shadowsocks,
        InboundProtocol.Hysteria2 => Hysteria2,
        InboundProtocol.Tuic => Tuic,
        _ => WireGuard,
    };
}
