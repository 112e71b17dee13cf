namespace Vpn.Perf.Api.Features.WireGuard;

internal static partial class WireGuardLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "WireGuard inbound {InboundId} does not parse (written around the Api); its links get no peer until it is fixed.")]
    public static partial void InboundInvalid(ILogger logger, Guid inboundId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The WireGuard peer of subscription {SubscriptionId} on inbound {InboundId} cannot be decrypted (key id '{KeyId}' unknown or the blob does not authenticate); it is left out.")]
    public static partial void PeerUnreadable(ILogger logger, Guid subscriptionId, Guid inboundId, string keyId);
}
