using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Billing.Payments;

namespace Vpn.Perf.Api.Features.Billing.Invoices;

/// <summary>Every statement on invoices: the lists and totals, and the numbered insert of a completing payment.</summary>
internal static class InvoicesStore
{
    private const string ColumnsSql = """
        i.id, i.number, i.payment_id, i.customer_id, i.plan_id, i.plan_name, i.amount, i.currency, p.status, p.refunded_amount,
        i.period_start, i.period_end, i.issued_at
        """;

    /// <summary>$1 customer, $2 payment statuses, $3 plan, $4 issued from (inclusive), $5 issued before.</summary>
    private const string FilterSql = """
        ($1::uuid is null or i.customer_id = $1)
          and ($2::text[] is null or p.status = any($2))
          and ($3::uuid is null or i.plan_id = $3)
          and ($4::timestamptz is null or i.issued_at >= $4)
          and ($5::timestamptz is null or i.issued_at < $5)
        """;

    /// <summary>Filter, then $6 cursor (exclusive), $7 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + " from invoices i join payments p on p.id = i.payment_id where " + FilterSql + """

          and ($6::uuid is null or i.id < $6)
        order by i.id desc
        limit $7
        """;

    private const string TotalsSql = """
        select i.currency, count(*)::int, sum(i.amount), sum(p.refunded_amount)
          from invoices i join payments p on p.id = i.payment_id
         where 
        """ + FilterSql + """

         group by i.currency
         order by i.currency
        """;

    /// <summary>$1 id, $2 the caller's own id when a customer.</summary>
    private const string GetSql = "select " + ColumnsSql + " from invoices i join payments p on p.id = i.payment_id where i.id = $1 and ($2::uuid is null or i.customer_id = $2)";

    /// <summary>
    /// The next number of the year: the counter row is created or incremented, and stays locked until the completing
    /// transaction ends, so concurrent completions take consecutive numbers and a rollback gives its number back.
    /// </summary>
    private const string NextNumberSql = """
        insert into invoice_counters (year, last_number) values ($1, 1)
        on conflict (year) do update set last_number = invoice_counters.last_number + 1
        returning last_number
        """;

    /// <summary>$1 id, $2 number, $3 year, $4 seq, $5 payment, $6 customer, $7 plan, $8 plan name, $9 amount, $10 currency, $11 period start, $12 period end, $13 issued at.</summary>
    private const string InsertSql = """
        insert into invoices (id, number, year, seq, payment_id, customer_id, plan_id, plan_name, amount, currency, period_start, period_end, issued_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """;

    /// <summary>Up to <paramref name="take"/> + 1 of the filtered invoices, newest first.</summary>
    public static async Task<List<InvoiceDto>> ListAsync(NpgsqlDataSource db, BillingFilter filter, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql);
        filter.Bind(cmd).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        return await ReadAllAsync(cmd, ct);
    }

    /// <summary>Sums of the filtered invoices, one per currency.</summary>
    public static async Task<List<MoneyTotal>> TotalsAsync(NpgsqlDataSource db, BillingFilter filter, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(TotalsSql);
        filter.Bind(cmd);
        return await PaymentsStore.ReadTotalsAsync(cmd, ct);
    }

    /// <summary><paramref name="scopeOwner"/>: the caller's own id when a customer (someone else's invoice reads as absent).</summary>
    public static async Task<InvoiceDto?> GetAsync(NpgsqlDataSource db, Guid id, Guid? scopeOwner, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(GetSql);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scopeOwner, NpgsqlDbType.Uuid);
        List<InvoiceDto> rows = await ReadAllAsync(cmd, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Takes the next gap-free number of the year (UTC) and inserts the invoice, in the completing transaction; returns the number.</summary>
    public static async Task<string> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LockedPayment payment, string planName,
        DateTimeOffset? periodStart, DateTimeOffset? periodEnd, DateTimeOffset now, CancellationToken ct)
    {
        int year = now.UtcDateTime.Year;
        long seq;
        await using (var next = new NpgsqlCommand(NextNumberSql, conn, tx))
        {
            seq = (long)(await next.Arg(year, NpgsqlDbType.Integer).ExecuteScalarAsync(ct))!;
        }
        string number = string.Create(CultureInfo.InvariantCulture, $"INV-{year}-{seq:D6}");
        await using var insert = new NpgsqlCommand(InsertSql, conn, tx);
        await insert.Arg(Ids.NewId(), NpgsqlDbType.Uuid).Arg(number, NpgsqlDbType.Text).Arg(year, NpgsqlDbType.Integer).Arg(seq, NpgsqlDbType.Bigint)
            .Arg(payment.Id, NpgsqlDbType.Uuid).Arg(payment.CustomerId, NpgsqlDbType.Uuid).Arg(payment.PlanId, NpgsqlDbType.Uuid)
            .Arg(planName, NpgsqlDbType.Text).Arg(payment.Amount, NpgsqlDbType.Numeric).Arg(payment.Currency, NpgsqlDbType.Text)
            .Arg(periodStart).Arg(periodEnd).Arg(now)
            .ExecuteNonQueryAsync(ct);
        return number;
    }

    private static async Task<List<InvoiceDto>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<InvoiceDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(7);
            rows.Add(new InvoiceDto(r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetGuid(3), r.GetGuid(4), r.GetString(5),
                Currencies.Normalize(r.GetDecimal(6), currency), currency, r.GetString(8), Currencies.Normalize(r.GetDecimal(9), currency),
                r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
                r.GetFieldValue<DateTimeOffset>(12)));
        }
        return rows;
    }
}
