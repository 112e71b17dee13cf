using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>Why a subscription's WireGuard peers could not all be made; the caller rolls its transaction back and answers <see cref="ToProblem"/>.</summary>
/// <param name="Failure">What went wrong.</param>
/// <param name="InboundId">The inbound concerned.</param>
/// <param name="Capacity">Its pool's capacity (for <see cref="PeerFailure.PoolExhausted"/>).</param>
internal sealed record PeerProvisioning(PeerFailure Failure, Guid InboundId, int Capacity)
{
    public ProblemHttpResult ToProblem() => Failure switch
    {
        PeerFailure.PoolExhausted => Problem.Of(ProblemTypes.WireGuardPoolExhausted, string.Create(CultureInfo.InvariantCulture,
            $"Inbound {InboundId} has all {Capacity} peer addresses taken; enlarge its pools (a shorter prefix) or unlink a subscription."),
            new Dictionary<string, object?> { ["inboundId"] = InboundId }),
        _ => Problem.Of(ProblemTypes.WireGuardNotConfigured,
            "Set WireGuard:KeyEncryptionKey (base64 of 32 random bytes) on every Api instance; docs/wireguard.md, \"Keys at rest\"."),
    };
}
