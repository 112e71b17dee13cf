namespace Vpn.Perf.Shared.Contracts;

/// <summary>
/// What Ingest needs to know of a subscription, as the Api publishes it in the hash
/// <c>{bN}:sub:&lt;sid&gt;</c>. Absent fields mean "no restriction".
/// </summary>
/// <param name="MaxTraffic">Bytes allowed per period (up + down); null = unlimited.</param>
/// <param name="ExpiresAtMs">Unix ms after which the subscription is expired; null = perpetual.</param>
/// <param name="Suspended">Manually suspended by an operator.</param>
/// <param name="Period">The traffic reset period; null = usage never resets.</param>
/// <param name="ResetAnchorMs">The anchor of period boundaries (unix ms).</param>
public sealed record SubscriptionState(long? MaxTraffic, long? ExpiresAtMs, bool Suspended, ResetPeriod? Period, long ResetAnchorMs)
{
    /// <summary>Hash field names, one place for both services.</summary>
    public static class Fields
    {
        public const string MaxTraffic = "max_traffic";
        public const string ExpiresAt = "expires_at";
        public const string Suspended = "suspended";
        public const string ResetPeriod = "reset_period";
        public const string ResetAnchor = "reset_anchor";
        /// <summary>The <see cref="SubscriptionScope.Id"/> of the subscription's scope; empty when linked nowhere.</summary>
        public const string Scope = "scope";
    }

    /// <summary>
    /// The inbounds (with their nodes) the subscription is linked to: a report counts only through one of them
    /// (<see cref="SubscriptionScope"/>). A hash without the field, one whose scope key is missing, or no hash at all is
    /// linked nowhere.
    /// </summary>
    public SubscriptionScope Scope { get; init; } = SubscriptionScope.Empty;

    /// <summary>A subscription Redis knows nothing about: never cut off, and linked nowhere, so nothing is counted for it.</summary>
    public static SubscriptionState Unrestricted { get; } = new(null, null, false, null, 0);

    /// <summary>The start of the usage period containing <paramref name="nowMs"/>; 0 when usage never resets.</summary>
    public long PeriodStart(long nowMs) => Period is { } p ? p.PeriodStart(ResetAnchorMs, nowMs) : 0;

    /// <summary>From when (unix ms) the node must stop serving it regardless of usage: <see cref="long.MinValue"/> while
    /// suspended, <see cref="long.MaxValue"/> when nothing will block it.</summary>
    public long BlockedFromMs => Suspended ? long.MinValue : ExpiresAtMs ?? long.MaxValue;
}
