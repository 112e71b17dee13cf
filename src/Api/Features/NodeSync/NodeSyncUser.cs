using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// A subscription allowed on an inbound with the credentials the node must accept (only those its protocol uses)
/// and its effective speed limit in bits/s (null = unlimited).
/// </summary>
internal sealed record NodeSyncUser(Guid SubscriptionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Uuid,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Password,
    long? MaxSpeed, DateTimeOffset? ExpiresAt);
