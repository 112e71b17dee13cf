namespace Vpn.Perf.Api.SingBox;

/// <summary>V2Ray QUIC: no options; needs TLS without REALITY or uTLS.</summary>
internal sealed record QuicTransport : TransportSpec
{
    public static QuicTransport Instance { get; } = new();
}
