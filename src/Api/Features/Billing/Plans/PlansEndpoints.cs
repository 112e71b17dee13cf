using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Billing.Plans;

/// <summary>
/// Plans (<c>/api/v1/plans</c>): the public catalogue (anonymous; active plans only, any plan by id so invoices of a
/// retired one stay readable) and staff administration, audited in the changing transaction.
/// </summary>
internal static class PlansEndpoints
{
    private const int MaxName = 100;
    private const int MaxDescription = 2000;
    private const int MaxGrants = 200;

    public static RouteGroupBuilder MapPlans(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/plans").WithTags("Billing").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.PlansWrite);
        g.MapGet("/", ListPlans).AllowAnonymous().WithName(nameof(ListPlans))
            .WithSummary("List plans on sale, newest first (?limit=&after=); staff may add ?all=true to include retired plans.");
        g.MapGet("/{id:guid}", GetPlan).AllowAnonymous().WithName(nameof(GetPlan))
            .WithSummary("Read a plan, retired ones included (their invoices refer to them).");
        g.MapPost("/", CreatePlan).WithName(nameof(CreatePlan)).WithSummary("Create a plan.");
        g.MapPut("/{id:guid}", UpdatePlan).WithName(nameof(UpdatePlan))
            .WithSummary("Replace a plan's fields and grants; pending payments keep the price they were started at.");
        g.MapPost("/{id:guid}/retire", RetirePlan).WithName(nameof(RetirePlan))
            .WithSummary("Take a plan off sale; it stays readable and its subscriptions keep running.");
        return g;
    }

    private static async Task<Results<Ok<Page<PlanDto>>, ProblemHttpResult>> ListPlans(
        [FromQuery] bool? all, [FromQuery] int? limit, [FromQuery] Guid? after, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        bool staff = user.IsStaff();
        if (all == true && !staff) return Problem.Of(ProblemTypes.Forbidden, "Only staff may list retired plans.");
        int take = Page<PlanDto>.Limit(limit);
        List<PlanDto> rows = await PlansStore.ListAsync(db, all == true, after, take, staff, ct);
        return TypedResults.Ok(Page<PlanDto>.From(rows, take, p => p.Id));
    }

    private static async Task<Results<Ok<PlanDto>, ProblemHttpResult>> GetPlan(Guid id, ClaimsPrincipal user, HttpResponse response, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        PlanDto? plan = await PlansStore.GetAsync(conn, null, id, user.IsStaff(), ct);
        if (plan is null) return Problem.NotFound("plan", id);
        response.Headers.ETag = BillingJson.ETag(plan.Version);
        return TypedResults.Ok(plan);
    }

    private static async Task<Results<Created<PlanDto>, ValidationProblem, ProblemHttpResult>> CreatePlan(
        PlanRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        decimal price = Check(request, errors);
        if (errors.Any) return errors.ToProblem();

        Guid id = Ids.NewId();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        await PlansStore.InsertAsync(conn, tx, id, request, price, time.GetUtcNow(), ct);
        if (await ReplaceGrantsAsync(conn, tx, id, request, ct) is { } missing) return missing;
        await AuditStore.AddAsync(conn, tx, user.UserId(), "plan.create", AuditStore.Target("plan", id), BillingJson.Meta(request), ct);
        PlanDto dto = (await PlansStore.GetAsync(conn, tx, id, true, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/plans/{id}", dto);
    }

    private static async Task<Results<Ok<PlanDto>, ValidationProblem, ProblemHttpResult>> UpdatePlan(
        Guid id, PlanRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        decimal price = Check(request, errors);
        if (errors.Any) return errors.ToProblem();

        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await PlansStore.UpdateAsync(conn, tx, id, request, price, time.GetUtcNow(), ct)) return await MissOrStaleAsync(conn, tx, id, request.Version, ct);
        if (await ReplaceGrantsAsync(conn, tx, id, request, ct) is { } missing) return missing;
        await AuditStore.AddAsync(conn, tx, user.UserId(), "plan.update", AuditStore.Target("plan", id), BillingJson.Meta(request), ct);
        PlanDto dto = (await PlansStore.GetAsync(conn, tx, id, true, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    private static async Task<Results<Ok<PlanDto>, ProblemHttpResult>> RetirePlan(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await PlansStore.RetireAsync(conn, tx, id, time.GetUtcNow(), ct)) return Problem.NotFound("plan", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "plan.retire", AuditStore.Target("plan", id), null, ct);
        PlanDto dto = (await PlansStore.GetAsync(conn, tx, id, true, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    /// <summary>Validates every field at once; returns the price (0 when it is missing or invalid).</summary>
    private static decimal Check(PlanRequest r, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(r.Name)) errors.Add("name", "A plan needs a name.");
        errors.MaxLength("name", r.Name, MaxName);
        errors.MaxLength("description", r.Description, MaxDescription);
        bool currencyOk = Currencies.TryGetMinorUnits(r.Currency, out int minor, out string? currencyError);
        if (!currencyOk) errors.Add("currency", currencyError!);
        if (r.Price is null) errors.Add("price", "A plan needs a price (a decimal such as \"9.99\").");
        else if (currencyOk && Currencies.CheckAmount(r.Price.Value, minor) is { } priceError) errors.Add("price", priceError);
        if (r.Duration is null) errors.Add("duration", "A plan needs a duration (ISO 8601, e.g. P1M or P30D).");
        else if (!ResetPeriod.TryParse(r.Duration, out _, out string? durationError)) errors.Add("duration", durationError.Replace("reset period", "plan duration", StringComparison.Ordinal));
        errors.NonNegative("maxTraffic", r.MaxTraffic);
        errors.NonNegative("maxSpeed", r.MaxSpeed);
        errors.ResetPeriod("trafficResetPeriod", r.TrafficResetPeriod);
        errors.DeviceLimit("deviceLimit", r.DeviceLimit);
        int inbounds = r.InboundIds?.Count ?? 0, nodes = r.NodeIds?.Count ?? 0;
        if (inbounds + nodes == 0) errors.Add("inboundIds", "A plan must grant at least one inbound (inboundIds) or node (nodeIds).");
        if (inbounds > MaxGrants) errors.Add("inboundIds", $"At most {MaxGrants} inbounds; {inbounds} were given.");
        if (nodes > MaxGrants) errors.Add("nodeIds", $"At most {MaxGrants} nodes; {nodes} were given.");
        return currencyOk && r.Price is { } p ? Currencies.Normalize(p, r.Currency!) : 0m;
    }

    /// <summary>Replaces the plan's grants in one round trip; an unknown inbound or node is a 409 with nothing saved.</summary>
    private static async Task<ProblemHttpResult?> ReplaceGrantsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, PlanRequest r, CancellationToken ct)
    {
        Guid[] inbounds = [.. (r.InboundIds ?? []).Distinct()];
        Guid[] nodes = [.. (r.NodeIds ?? []).Distinct()];
        try
        {
            await PlansStore.ReplaceGrantsAsync(conn, tx, id, inbounds, nodes, ct);
            return null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            string what = ex.ConstraintName?.Contains("node", StringComparison.Ordinal) == true ? "nodeIds" : "inboundIds";
            return Problem.Of(ProblemTypes.ReferenceMissing, $"An id in {what} does not exist.");
        }
    }

    private static async Task<ProblemHttpResult> MissOrStaleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, long? expected, CancellationToken ct)
    {
        return await PlansStore.VersionAsync(conn, tx, id, ct) is { } version
            ? Problem.Of(ProblemTypes.StaleVersion, $"The plan is at version {version}, not {expected}; read it again and reapply the change.")
            : Problem.NotFound("plan", id);
    }
}
