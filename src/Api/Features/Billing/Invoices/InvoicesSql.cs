namespace Vpn.Perf.Api.Features.Billing.Invoices;

internal static class InvoicesSql
{
    private const string Columns = """
        i.id, i.number, i.payment_id, i.customer_id, i.plan_id, i.plan_name, i.amount, i.currency, p.status, p.refunded_amount,
        i.period_start, i.period_end, i.issued_at
        """;

    /// <summary>$1 customer, $2 payment statuses, $3 plan, $4 issued from (inclusive), $5 issued before.</summary>
    private const string Filter = """
        ($1::uuid is null or i.customer_id = $1)
          and ($2::text[] is null or p.status = any($2))
          and ($3::uuid is null or i.plan_id = $3)
          and ($4::timestamptz is null or i.issued_at >= $4)
          and ($5::timestamptz is null or i.issued_at < $5)
        """;

    /// <summary>Filter, then $6 cursor (exclusive), $7 limit + 1.</summary>
    public const string List = "select " + Columns + " from invoices i join payments p on p.id = i.payment_id where " + Filter + """

          and ($6::uuid is null or i.id < $6)
        order by i.id desc
        limit $7
        """;

    public const string Totals = """
        select i.currency, count(*)::int, sum(i.amount), sum(p.refunded_amount)
          from invoices i join payments p on p.id = i.payment_id
         where 
        """ + Filter + """

         group by i.currency
         order by i.currency
        """;

    /// <summary>$1 id, $2 the caller's own id when a customer.</summary>
    public const string Get = "select " + Columns + " from invoices i join payments p on p.id = i.payment_id where i.id = $1 and ($2::uuid is null or i.customer_id = $2)";

    /// <summary>
    /// The next number of the year: the counter row is created or incremented, and stays locked until the completing
    /// transaction ends, so concurrent completions take consecutive numbers and a rollback gives its number back.
    /// </summary>
    public const string NextNumber = """
        insert into invoice_counters (year, last_number) values ($1, 1)
        on conflict (year) do update set last_number = invoice_counters.last_number + 1
        returning last_number
        """;

    /// <summary>$1 id, $2 number, $3 year, $4 seq, $5 payment, $6 customer, $7 plan, $8 plan name, $9 amount, $10 currency, $11 period start, $12 period end, $13 issued at.</summary>
    public const string Insert = """
        insert into invoices (id, number, year, seq, payment_id, customer_id, plan_id, plan_name, amount, currency, period_start, period_end, issued_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """;
}
