namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>Why a WireGuard peer was not made.</summary>
internal enum PeerFailure
{
    /// <summary>WireGuard:KeyEncryptionKey is not set, so no private key could be stored.</summary>
    NotConfigured = 1,

    /// <summary>Every address of the inbound's pool is taken.</summary>
    PoolExhausted = 2,
}
