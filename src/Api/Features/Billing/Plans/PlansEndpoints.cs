using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;
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
    private const int MaxDeviceLimit = 1000;

    public static RouteGroupBuilder MapPlans(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/plans").WithTags("Billing").RequireAuthorization(Policies.Staff);
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
        await using NpgsqlCommand cmd = db.CreateCommand(PlansSql.List);
        cmd.Arg(all == true, NpgsqlDbType.Boolean).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        List<PlanDto> rows = await ReadAllAsync(cmd, staff, ct);
        return TypedResults.Ok(Page<PlanDto>.From(rows, take, p => p.Id));
    }

    private static async Task<Results<Ok<PlanDto>, ProblemHttpResult>> GetPlan(Guid id, ClaimsPrincipal user, HttpResponse response, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        PlanDto? plan = await GetAsync(conn, null, id, user.IsStaff(), ct);
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
        await using (var cmd = new NpgsqlCommand(PlansSql.Insert, conn, tx))
        {
            await Fields(cmd.Arg(id, NpgsqlDbType.Uuid), request, price).Arg(request.IsActive ?? true, NpgsqlDbType.Boolean)
                .Arg(time.GetUtcNow()).ExecuteNonQueryAsync(ct);
        }
        if (await ReplaceGrantsAsync(conn, tx, id, request, ct) is { } missing) return missing;
        await AuditStore.AddAsync(conn, tx, user.UserId(), "plan.create", AuditStore.Target("plan", id), BillingJson.Meta(request), ct);
        PlanDto dto = (await GetAsync(conn, tx, id, true, ct))!;
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
        await using (var cmd = new NpgsqlCommand(PlansSql.Update, conn, tx))
        {
            int changed = await Fields(cmd.Arg(id, NpgsqlDbType.Uuid), request, price).Arg(request.IsActive ?? true, NpgsqlDbType.Boolean)
                .Arg(time.GetUtcNow()).Arg(request.Version, NpgsqlDbType.Bigint).ExecuteNonQueryAsync(ct);
            if (changed == 0) return await MissOrStaleAsync(conn, tx, id, request.Version, ct);
        }
        if (await ReplaceGrantsAsync(conn, tx, id, request, ct) is { } missing) return missing;
        await AuditStore.AddAsync(conn, tx, user.UserId(), "plan.update", AuditStore.Target("plan", id), BillingJson.Meta(request), ct);
        PlanDto dto = (await GetAsync(conn, tx, id, true, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    private static async Task<Results<Ok<PlanDto>, ProblemHttpResult>> RetirePlan(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(PlansSql.Retire, conn, tx))
        {
            if (await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(time.GetUtcNow()).ExecuteNonQueryAsync(ct) == 0) return Problem.NotFound("plan", id);
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "plan.retire", AuditStore.Target("plan", id), null, ct);
        PlanDto dto = (await GetAsync(conn, tx, id, true, ct))!;
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
        if (r.DeviceLimit is < 1 or > MaxDeviceLimit) errors.Add("deviceLimit", $"Must be between 1 and {MaxDeviceLimit} (null means no limit).");
        int inbounds = r.InboundIds?.Count ?? 0, nodes = r.NodeIds?.Count ?? 0;
        if (inbounds + nodes == 0) errors.Add("inboundIds", "A plan must grant at least one inbound (inboundIds) or node (nodeIds).");
        if (inbounds > MaxGrants) errors.Add("inboundIds", $"At most {MaxGrants} inbounds; {inbounds} were given.");
        if (nodes > MaxGrants) errors.Add("nodeIds", $"At most {MaxGrants} nodes; {nodes} were given.");
        return currencyOk && r.Price is { } p ? Currencies.Normalize(p, r.Currency!) : 0m;
    }

    /// <summary>Binds $2-$10: the fields shared by insert and update.</summary>
    private static NpgsqlCommand Fields(NpgsqlCommand cmd, PlanRequest r, decimal price) => cmd
        .Arg(r.Name!.Trim(), NpgsqlDbType.Text).Arg(r.Description ?? "", NpgsqlDbType.Text)
        .Arg(price, NpgsqlDbType.Numeric).Arg(r.Currency!, NpgsqlDbType.Text).Arg(r.Duration!, NpgsqlDbType.Text)
        .Arg(r.MaxTraffic, NpgsqlDbType.Bigint).Arg(r.MaxSpeed, NpgsqlDbType.Bigint).Arg(r.TrafficResetPeriod, NpgsqlDbType.Text)
        .Arg(r.DeviceLimit, NpgsqlDbType.Integer);

    /// <summary>Replaces the plan's grants in one round trip; an unknown inbound or node is a 409 with nothing saved.</summary>
    private static async Task<ProblemHttpResult?> ReplaceGrantsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, PlanRequest r, CancellationToken ct)
    {
        Guid[] inbounds = [.. (r.InboundIds ?? []).Distinct()];
        Guid[] nodes = [.. (r.NodeIds ?? []).Distinct()];
        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(Command(PlansSql.DeleteInbounds, id, null));
        batch.BatchCommands.Add(Command(PlansSql.DeleteNodes, id, null));
        batch.BatchCommands.Add(Command(PlansSql.InsertInbounds, id, inbounds));
        batch.BatchCommands.Add(Command(PlansSql.InsertNodes, id, nodes));
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
            return null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            string what = ex.ConstraintName?.Contains("node", StringComparison.Ordinal) == true ? "nodeIds" : "inboundIds";
            return Problem.Of(ProblemTypes.ReferenceMissing, $"An id in {what} does not exist.");
        }

        static NpgsqlBatchCommand Command(string sql, Guid plan, Guid[]? ids)
        {
            var c = new NpgsqlBatchCommand(sql);
            c.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = plan, NpgsqlDbType = NpgsqlDbType.Uuid });
            if (ids is not null) c.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            return c;
        }
    }

    private static async Task<ProblemHttpResult> MissOrStaleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, long? expected, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PlansSql.Version, conn, tx);
        object? current = await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct);
        return current is long version
            ? Problem.Of(ProblemTypes.StaleVersion, $"The plan is at version {version}, not {expected}; read it again and reapply the change.")
            : Problem.NotFound("plan", id);
    }

    /// <summary>Reads one plan (any state); <paramref name="staff"/> decides whether the grants are shown.</summary>
    internal static async Task<PlanDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, bool staff, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PlansSql.Get, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid);
        List<PlanDto> rows = await ReadAllAsync(cmd, staff, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<List<PlanDto>> ReadAllAsync(NpgsqlCommand cmd, bool staff, CancellationToken ct)
    {
        var rows = new List<PlanDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(4);
            rows.Add(new PlanDto(
                r.GetGuid(0), r.GetString(1), r.GetString(2), Currencies.Normalize(r.GetDecimal(3), currency), currency, r.GetString(5),
                r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetInt32(9), r.GetBoolean(10), r.GetInt64(11),
                r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<DateTimeOffset>(13),
                staff ? r.GetFieldValue<Guid[]>(14) : null, staff ? r.GetFieldValue<Guid[]>(15) : null));
        }
        return rows;
    }
}
