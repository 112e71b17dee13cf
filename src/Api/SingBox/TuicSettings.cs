namespace Vpn.Perf.Api.SingBox;

/// <param name="CongestionControl">cubic, new_reno or bbr; null = sing-box's default (cubic).</param>
/// <param name="UdpRelayMode">native or quic; null = native.</param>
/// <param name="ZeroRttHandshake">0-RTT QUIC handshake.</param>
internal sealed record TuicSettings(string? CongestionControl, string? UdpRelayMode, bool ZeroRttHandshake) : ProtocolSettings;
