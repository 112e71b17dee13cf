namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>Which of a peer's secrets a blob holds; part of its associated data. Values are stored: never renumber.</summary>
internal enum PeerSecret : byte
{
    PrivateKey = 1,
    PresharedKey = 2,
}
