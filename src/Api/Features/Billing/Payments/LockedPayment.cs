using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// A payment row read under <c>FOR UPDATE</c>: every state change (completion, failure, refund) takes this lock
/// first, so two changes of one payment run one after the other and the second sees what the first did.
/// </summary>
internal sealed record LockedPayment(
    Guid Id, string Status, decimal Amount, string Currency, decimal Refunded, Guid? SubscriptionId, DateTimeOffset? PeriodStart,
    DateTimeOffset? PeriodEnd, Guid CustomerId, string Provider, Guid PlanId, string Duration)
{
    public static async Task<LockedPayment?> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PaymentsSql.Lock, conn, tx);
        await using NpgsqlDataReader r = await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new LockedPayment(id, r.GetString(0), r.GetDecimal(1), r.GetString(2), r.GetDecimal(3),
            r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5),
            r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.GetGuid(7), r.GetString(8), r.GetGuid(9), r.GetString(10));
    }
}
