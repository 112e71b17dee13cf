using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>Reads payments and refunds into their answers.</summary>
internal static class PaymentQueries
{
    public static async Task<PaymentDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, Guid? scopeCustomer, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PaymentsSql.Get, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scopeCustomer, NpgsqlDbType.Uuid);
        List<PaymentDto> rows = await ReadAllAsync(cmd, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    public static async Task<List<PaymentDto>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<PaymentDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(5);
            rows.Add(new PaymentDto(
                r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), Currencies.Normalize(r.GetDecimal(4), currency), currency,
                r.GetString(6), r.GetString(7), Text(r, 8), r.GetString(9), Currencies.Normalize(r.GetDecimal(10), currency),
                r.IsDBNull(11) ? null : r.GetGuid(11), Time(r, 12), Time(r, 13), Text(r, 14), r.GetFieldValue<DateTimeOffset>(15), Time(r, 16),
                r.IsDBNull(17) ? null : r.GetGuid(17), Text(r, 18)));
        }
        return rows;
    }

    public static async Task<List<RefundDto>> RefundsAsync(NpgsqlConnection conn, Guid paymentId, Guid? scopeCustomer, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PaymentsSql.Refunds, conn);
        cmd.Arg(paymentId, NpgsqlDbType.Uuid).Arg(scopeCustomer, NpgsqlDbType.Uuid);
        var rows = new List<RefundDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(3);
            rows.Add(new RefundDto(r.GetGuid(0), r.GetGuid(1), Currencies.Normalize(r.GetDecimal(2), currency), currency, r.GetString(4),
                r.IsDBNull(5) ? null : r.GetGuid(5), r.GetBoolean(6), r.GetFieldValue<DateTimeOffset>(7)));
        }
        return rows;
    }

    public static async Task<List<MoneyTotal>> TotalsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<MoneyTotal>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(0);
            decimal amount = r.GetDecimal(2), refunded = r.GetDecimal(3);
            rows.Add(new MoneyTotal(currency, r.GetInt32(1), Currencies.Normalize(amount, currency), Currencies.Normalize(refunded, currency),
                Currencies.Normalize(amount - refunded, currency)));
        }
        return rows;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
