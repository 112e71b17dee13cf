using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// Payments (<c>/api/v1/payments</c>): customers start purchases and read their own payments; staff read and filter
/// all of them and refund. The provider's webhook (Webhooks/) completes or fails a pending payment.
/// </summary>
internal static class PaymentsEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKey = 100;

    public static RouteGroupBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/payments").WithTags("Billing").RequireAuthorization(Policies.SignedIn).RequireScope(ApiScopes.BillingRead);
        g.MapPost("/", StartPurchase).WithName(nameof(StartPurchase)).RequireScope(ApiScopes.BillingWrite).RequireAuthorization(p => p.RequireRole(Roles.Customer))
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Start a purchase of an active plan (customers; Idempotency-Key header required): a pending payment, the same one for a repeated key. "
                + "With Auth:RequireVerifiedEmailForPurchases, an unverified address answers 403 email-not-verified.");
        g.MapGet("/", ListPayments).WithName(nameof(ListPayments))
            .WithSummary("List payments, newest first (?customer=&status=&plan=&from=&to=&limit=&after=); customers see their own.");
        g.MapGet("/totals", PaymentTotals).WithName(nameof(PaymentTotals))
            .WithSummary("Sums of the filtered payments per currency (paid ones unless ?status= says otherwise); never across currencies.");
        g.MapGet("/{id:guid}", GetPayment).WithName(nameof(GetPayment)).WithSummary("Read a payment; someone else's answers 404.");
        g.MapGet("/{id:guid}/refunds", ListRefunds).WithName(nameof(ListRefunds)).WithSummary("The refunds of a payment, oldest first.");
        g.MapPost("/{id:guid}/refunds", RefundPayment).WithName(nameof(RefundPayment)).RequireScope(ApiScopes.BillingWrite).RequireAuthorization(Policies.Staff)
            .WithSummary("Refund a payment fully (no amount) or partly; a full refund ends the period it paid for.");
        return g;
    }

    private static async Task<Results<Created<PaymentDto>, Ok<PaymentDto>, ValidationProblem, ProblemHttpResult>> StartPurchase(
        PurchaseRequest request, [FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, ClaimsPrincipal user, BillingOptions options,
        AccountRules rules, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(idempotencyKey)) errors.Add(IdempotencyHeader, "Send an Idempotency-Key header (e.g. a UUID made for this purchase) so a retry cannot buy twice.");
        else if (idempotencyKey.Length > MaxIdempotencyKey || !idempotencyKey.All(c => c is >= '!' and <= '~'))
            errors.Add(IdempotencyHeader, $"Must be 1 to {MaxIdempotencyKey} printable ASCII characters without spaces.");
        if (request.PlanId is null || request.PlanId == Guid.Empty) errors.Add("planId", "Name the plan to buy.");
        string? provider = options.ResolveProvider(request.Provider);
        if (provider is null)
        {
            errors.Add("provider", options.Providers.Count == 0
                ? "No payment provider is configured (Billing:Providers)."
                : $"Must be one of {string.Join(", ", options.Providers.Keys.Order(StringComparer.Ordinal))}.");
        }
        if (errors.Any) return errors.ToProblem();

        Guid customer = user.UserId();
        Guid planId = request.PlanId!.Value;
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(planId.ToString() + "\n" + provider));
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        if (rules.RequireVerifiedEmailForPurchases && !await PaymentsStore.EmailVerifiedAsync(conn, customer, ct))
        {
            return Problem.Of(ProblemTypes.EmailNotVerified,
                "Confirm your email address before buying: open the link of the verification mail, or ask for a new one (POST /api/v1/auth/resend-verification).");
        }
        Guid id = Ids.NewId();
        if (await PaymentsStore.InsertAsync(conn, id, customer, planId, provider!, idempotencyKey!, hash, time.GetUtcNow(), ct))
        {
            PaymentDto created = (await PaymentsStore.GetAsync(conn, null, id, null, ct))!;
            return TypedResults.Created($"/api/v1/payments/{id}", created);
        }

        // No row: the key was used before (possibly by a request racing this one, now committed), or the plan is not on sale.
        if (await PaymentsStore.ByKeyAsync(conn, customer, idempotencyKey!, ct) is { } existing)
        {
            if (!CryptographicOperations.FixedTimeEquals(existing.RequestHash, hash))
                return Problem.Of(ProblemTypes.IdempotencyKeyReused, "This Idempotency-Key started a purchase of another plan or provider; use a new key for a new purchase.");
            return TypedResults.Ok((await PaymentsStore.GetAsync(conn, null, existing.Id, null, ct))!);
        }
        return await PaymentsStore.PlanActiveAsync(conn, planId, ct) is not null
            ? Problem.Of(ProblemTypes.PlanNotAvailable, "This plan has been retired and is no longer sold.")
            : Problem.NotFound("plan", planId);
    }

    private static async Task<Results<Ok<Page<PaymentDto>>, ValidationProblem>> ListPayments(
        [FromQuery] Guid? customer, [FromQuery] string? status, [FromQuery] Guid? plan, [FromQuery] DateTimeOffset? from, [FromQuery] DateTimeOffset? to,
        [FromQuery] int? limit, [FromQuery] Guid? after, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        BillingFilter filter = BillingFilter.Read(user, customer, status, plan, from, to, errors);
        if (errors.Any) return errors.ToProblem();
        int take = Page<PaymentDto>.Limit(limit);
        return TypedResults.Ok(Page<PaymentDto>.From(await PaymentsStore.ListAsync(db, filter, after, take, ct), take, p => p.Id));
    }

    private static async Task<Results<Ok<Totals>, ValidationProblem>> PaymentTotals(
        [FromQuery] Guid? customer, [FromQuery] string? status, [FromQuery] Guid? plan, [FromQuery] DateTimeOffset? from, [FromQuery] DateTimeOffset? to,
        ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        BillingFilter filter = BillingFilter.Read(user, customer, status, plan, from, to, errors);
        if (errors.Any) return errors.ToProblem();
        return TypedResults.Ok(new Totals(await PaymentsStore.TotalsAsync(db, filter with { Statuses = filter.Statuses ?? PaymentStatus.Paid }, ct)));
    }

    private static async Task<Results<Ok<PaymentDto>, ProblemHttpResult>> GetPayment(Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        return await PaymentsStore.GetAsync(conn, null, id, Scope(user), ct) is { } payment ? TypedResults.Ok(payment) : Problem.NotFound("payment", id);
    }

    private static async Task<Results<Ok<IReadOnlyList<RefundDto>>, ProblemHttpResult>> ListRefunds(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        if (await PaymentsStore.GetAsync(conn, null, id, Scope(user), ct) is null) return Problem.NotFound("payment", id);
        return TypedResults.Ok<IReadOnlyList<RefundDto>>(await PaymentsStore.RefundsAsync(conn, id, Scope(user), ct));
    }

    private static async Task<Results<Created<RefundResult>, ValidationProblem, ProblemHttpResult>> RefundPayment(
        Guid id, RefundRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        errors.MaxLength("reason", request.Reason, PaymentRefunds.MaxReason);
        if (request.Amount <= 0) errors.Add("amount", "Must be greater than 0 (leave it out to refund everything not yet refunded).");
        if (errors.Any) return errors.ToProblem();

        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        LockedPayment? payment = await PaymentsStore.LockAsync(conn, tx, id, ct);
        if (payment is null) return Problem.NotFound("payment", id);
        if (request.Amount is { } amount && Currencies.TryGetMinorUnits(payment.Currency, out int minor, out _)
            && Currencies.CheckAmount(amount, minor) is { } amountError)
        {
            return Problem.Validation("amount", amountError);
        }
        (RefundDto? refund, ProblemHttpResult? problem) = await PaymentRefunds.RefundAsync(
            conn, tx, payment, request.Amount, request.Reason ?? "", user.UserId(), time.GetUtcNow(), ct);
        if (problem is not null) return problem;
        PaymentDto dto = (await PaymentsStore.GetAsync(conn, tx, id, null, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/payments/{id}/refunds", new RefundResult(refund!, dto));
    }

    private static Guid? Scope(ClaimsPrincipal user) => user.IsStaff() ? null : user.UserId();
}
