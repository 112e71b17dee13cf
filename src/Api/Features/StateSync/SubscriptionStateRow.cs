using Npgsql;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// A subscription's state as Postgres has it now: what Ingest must see (<see cref="State"/>, null when the
/// subscription was deleted) and whether it is flagged over its limit.
/// </summary>
internal readonly record struct SubscriptionStateRow(Guid Id, SubscriptionState? State, bool IsOverLimit)
{
    /// <summary>Reads the columns of <c>StateSyncStore.StateColumnsSql</c> starting at <paramref name="first"/>.</summary>
    public static SubscriptionStateRow Read(NpgsqlDataReader reader, Guid id, int first)
    {
        if (!reader.GetBoolean(first)) return new(id, null, false);
        long? maxTraffic = reader.IsDBNull(first + 1) ? null : reader.GetInt64(first + 1);
        long? expires = reader.IsDBNull(first + 2) ? null : reader.GetFieldValue<DateTimeOffset>(first + 2).ToUnixTimeMilliseconds();
        bool suspended = reader.GetBoolean(first + 3);
        // The Api validates periods on the way in; an unparsable one (written by hand) means "never resets", which is
        // also how Ingest reads a malformed field.
        ResetPeriod? period = !reader.IsDBNull(first + 4) && ResetPeriod.TryParse(reader.GetString(first + 4), out ResetPeriod p, out _) ? p : null;
        long anchor = reader.GetFieldValue<DateTimeOffset>(first + 5).ToUnixTimeMilliseconds();
        bool overLimit = reader.GetBoolean(first + 6);
        Guid[] inbounds = reader.GetFieldValue<Guid[]>(first + 7);
        Guid[] nodes = reader.GetFieldValue<Guid[]>(first + 8);
        var links = new InboundLink[inbounds.Length];
        for (int i = 0; i < links.Length; i++) links[i] = new InboundLink(inbounds[i], nodes[i]);
        return new(id, new SubscriptionState(maxTraffic, expires, suspended, period, anchor) { Scope = SubscriptionScope.Of(links) }, overLimit);
    }
}
