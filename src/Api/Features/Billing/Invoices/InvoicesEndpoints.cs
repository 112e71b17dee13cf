using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Billing.Invoices;

/// <summary>Invoices (<c>/api/v1/invoices</c>): customers read their own, staff all, with the payment filters.</summary>
internal static class InvoicesEndpoints
{
    public static RouteGroupBuilder MapInvoices(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/invoices").WithTags("Billing").RequireAuthorization(Policies.SignedIn).RequireScope(ApiScopes.BillingRead);
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
        return TypedResults.Ok(Page<InvoiceDto>.From(await InvoicesStore.ListAsync(db, filter, after, take, ct), take, i => i.Id));
    }

    private static async Task<Results<Ok<Totals>, ValidationProblem>> InvoiceTotals(
        [FromQuery] Guid? customer, [FromQuery] string? status, [FromQuery] Guid? plan, [FromQuery] DateTimeOffset? from, [FromQuery] DateTimeOffset? to,
        ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        BillingFilter filter = BillingFilter.Read(user, customer, status, plan, from, to, errors);
        if (errors.Any) return errors.ToProblem();
        return TypedResults.Ok(new Totals(await InvoicesStore.TotalsAsync(db, filter, ct)));
    }

    private static async Task<Results<Ok<InvoiceDto>, ProblemHttpResult>> GetInvoice(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        return await InvoicesStore.GetAsync(db, id, user.IsStaff() ? null : user.UserId(), ct) is { } invoice
            ? TypedResults.Ok(invoice)
            : Problem.NotFound("invoice", id);
    }
}
