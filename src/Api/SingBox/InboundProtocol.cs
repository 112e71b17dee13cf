namespace Vpn.Perf.Api.SingBox;

/// <summary>The proxy protocols an inbound can speak (<c>inbounds.protocol</c>); values are never renumbered.</summary>
internal enum InboundProtocol
{
    Vless = 1,
    Vmess = 2,
    Trojan = 3,
    Shadowsocks = 4,
    Hysteria2 = 5,
    Tuic = 6,
    WireGuard = 7,
}
