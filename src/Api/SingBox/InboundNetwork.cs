namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// <c>inbounds.network</c>: plain TCP, one of the V2Ray transports over it, or UDP for the protocols that run their
/// own QUIC (hysteria2, tuic).
/// </summary>
internal enum InboundNetwork
{
    Tcp = 1,
    Udp = 2,
    Ws = 3,
    Grpc = 4,
    Http = 5,
    HttpUpgrade = 6,
    Quic = 7,
}
