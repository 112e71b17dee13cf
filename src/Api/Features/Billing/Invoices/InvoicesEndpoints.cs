using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Billing.Invoices;

/// <summary>Invoices (<c>/api/v1/invoices</c>): customers read their own, staff all, with the payment filters.</summary>
internal static class InvoicesEndpoints
{
    public static RouteGroupBuilder MapInvoices(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/invoices").WithTags("Billing").RequireAuthorization(Policies.SignedIn);
        g.MapGet("/", ListInvoices).WithName(nameof(ListInvoices))
            .WithSummary("List invoices, newest first (?customer=&status=&plan=&from=&to=&limit=&after=; status is the payment's); customers see their own.");
        g.MapGet("/totals", InvoiceTotals).WithName(nameof(InvoiceTotals)).WithSummary("Sums of the filtered invoices per currency; never across currencies.");
        g.MapGet("/{id:guid}", GetInvoice).WithName(nameof(GetInvoice)).WithSummary("Read an invoice; someone else's answers 404.");
        return g;
    }

    private static async Task<Results<Ok<Page<InvoiceDto>>, ValidationProblem>> ListInvoices(
        [FromQuery] Guid? customer, [FromQuery] string? status, [FromQuery] Guid? plan, [FromQuery] DateTimeOffset? from, [FromQuery] DateTimeOffset? to,
        [FromQuery] int? limit, [FromQuery] Guid? after, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        BillingFilter filter = BillingFilter.Read(user, customer, status, plan, from, to, errors);
        if (errors.Any) return errors.ToProblem();
        int take = Page<InvoiceDto>.Limit(limit);
        await using NpgsqlCommand cmd = db.CreateCommand(InvoicesSql.List);
        filter.Bind(cmd).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        return TypedResults.Ok(Page<InvoiceDto>.From(await ReadAllAsync(cmd, ct), take, i => i.Id));
    }

    private static async Task<Results<Ok<Totals>, ValidationProblem>> InvoiceTotals(
        [FromQuery] Guid? customer, [FromQuery] string? status, [FromQuery] Guid? plan, [FromQuery] DateTimeOffset? from, [FromQuery] DateTimeOffset? to,
        ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        BillingFilter filter = BillingFilter.Read(user, customer, status, plan, from, to, errors);
        if (errors.Any) return errors.ToProblem();
        await using NpgsqlCommand cmd = db.CreateCommand(InvoicesSql.Totals);
        filter.Bind(cmd);
        return TypedResults.Ok(new Totals(await PaymentQueries.TotalsAsync(cmd, ct)));
    }

    private static async Task<Results<Ok<InvoiceDto>, ProblemHttpResult>> GetInvoice(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(InvoicesSql.Get);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(user.IsStaff() ? (Guid?)null : user.UserId(), NpgsqlDbType.Uuid);
        List<InvoiceDto> rows = await ReadAllAsync(cmd, ct);
        return rows.Count == 0 ? Problem.NotFound("invoice", id) : TypedResults.Ok(rows[0]);
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
