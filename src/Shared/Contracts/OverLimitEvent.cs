using System.Globalization;
using StackExchange.Redis;

namespace Vpn.Perf.Shared.Contracts;

/// <summary>
/// A subscription's usage crossing its limit, as an entry of <c>{bN}:events</c>: added by Ingest's usage script (Lua, in
/// the same call as the increment that crossed), read by the Api's over-limit consumer. The field names are
/// <see cref="Fields"/>, which the script's text is built from; ids travel as 32 hex digits, times and bytes as decimals.
/// </summary>
/// <param name="SubscriptionId">The subscription that crossed.</param>
/// <param name="PeriodStartMs">Start of the usage period whose counter crossed (unix ms).</param>
/// <param name="Used">The counter after the increment, bytes.</param>
/// <param name="Limit">The limit it reached, bytes.</param>
/// <param name="NodeId">The node whose report crossed it.</param>
/// <param name="AtMs">When Ingest applied that report (unix ms).</param>
public readonly record struct OverLimitEvent(Guid SubscriptionId, long PeriodStartMs, long Used, long Limit, Guid NodeId, long AtMs)
{
    public static class Fields
    {
        public const string Subscription = "subscription";
        public const string PeriodStart = "period_start";
        public const string Used = "used";
        public const string Limit = "limit";
        public const string Node = "node";
        public const string At = "at";
    }

    /// <summary>Reads an event; false when a field is missing or malformed (an entry trimmed from the stream has none).</summary>
    public static bool TryParse(StreamEntry entry, out OverLimitEvent parsed)
    {
        if (Guid.TryParseExact((string?)entry[Fields.Subscription], "N", out Guid subscription)
            && Long(entry, Fields.PeriodStart, out long periodStart) && Long(entry, Fields.Used, out long used)
            && Long(entry, Fields.Limit, out long limit) && Guid.TryParseExact((string?)entry[Fields.Node], "N", out Guid node)
            && Long(entry, Fields.At, out long at))
        {
            parsed = new OverLimitEvent(subscription, periodStart, used, limit, node, at);
            return true;
        }
        parsed = default;
        return false;
    }

    private static bool Long(StreamEntry entry, string field, out long value)
        => long.TryParse((string?)entry[field], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
