using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Hosting;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Subscriptions (<c>/api/v1/subscriptions</c>). Customers list and read their own and rotate their own config link;
/// everything else is staff only. Changes are audited in the changing transaction. State reaches Redis through the outbox triggers, never from here.
/// Single-row changes bump <c>version</c>; <c>If-Match</c> (the <c>ETag</c>) or a <c>version</c> field guards them.
/// </summary>
internal static partial class SubscriptionsEndpoints
{
    private const int MaxTitle = 200;
    private const int MaxDescription = 2000;
    private const int MaxQuery = 200;

    public static RouteGroupBuilder MapSubscriptions(this IEndpointRouteBuilder app)
    {
        // Every answer of the group carries a subscription's configUrl, a bearer secret: no cache may keep it.
        RouteGroupBuilder g = app.MapGroup("/api/v1/subscriptions").WithTags("Subscriptions").RequireAuthorization(Policies.SignedIn).NoStore().RequireScope(ApiScopes.SubscriptionsWrite);
        g.MapGet("/", ListSubscriptions).WithName(nameof(ListSubscriptions)).RequireScope(ApiScopes.SubscriptionsRead)
            .WithSummary("List subscriptions, newest first, by keyset pages; customers see their own (?owner=&suspended=&overLimit=&expired=&expiringBefore=&q=&limit=&after=).");
        g.MapGet("/{id:guid}", GetSubscription).WithName(nameof(GetSubscription)).RequireScope(ApiScopes.SubscriptionsRead)
            .WithSummary("Read a subscription with effective limits and live usage; the ETag is its version.");
        g.MapPost("/", CreateSubscription).WithName(nameof(CreateSubscription)).WithSummary("Create a subscription.").RequireAuthorization(Policies.Staff);
        g.MapPut("/{id:guid}", UpdateSubscription).WithName(nameof(UpdateSubscription))
            .WithSummary("Replace a subscription's editable fields; needs If-Match or version (412 stale-version).").RequireAuthorization(Policies.Staff);
        g.MapPost("/{id:guid}/suspend", SuspendSubscription).WithName(nameof(SuspendSubscription)).WithSummary("Suspend a subscription.").RequireAuthorization(Policies.Staff);
        g.MapPost("/{id:guid}/resume", ResumeSubscription).WithName(nameof(ResumeSubscription)).WithSummary("Resume a suspended subscription.").RequireAuthorization(Policies.Staff);
        g.MapPost("/{id:guid}/reset-usage", ResetSubscriptionUsage).WithName(nameof(ResetSubscriptionUsage))
            .WithSummary("Reset the current period's usage and clear the over-limit flag.").RequireAuthorization(Policies.Staff);
        g.MapPost("/{id:guid}/rotate-link", RotateSubscriptionLink).WithName(nameof(RotateSubscriptionLink))
            .WithSummary("Give the subscription a new config URL; the old one answers 404 from now on. Staff, or the customer who owns it.");
        g.MapDelete("/{id:guid}", DeleteSubscription).WithName(nameof(DeleteSubscription)).WithSummary("Delete a subscription.").RequireAuthorization(Policies.Staff);
        MapBulk(g);
        return g;
    }

    private static async Task<Results<Ok<Page<SubscriptionDto>>, ValidationProblem>> ListSubscriptions(
        [FromQuery] Guid? owner, [FromQuery] bool? suspended, [FromQuery] bool? overLimit, [FromQuery] bool? expired,
        [FromQuery] DateTimeOffset? expiringBefore, [FromQuery] string? q, [FromQuery] int? limit, [FromQuery] Guid? after,
        ClaimsPrincipal user, HttpRequest http, [AsParameters] SubscriptionServices services, CancellationToken ct)
    {
        var filter = new SubscriptionFilter(owner, suspended, overLimit, expired, expiringBefore, q);
        var errors = new FieldErrors();
        errors.MaxLength("q", q, MaxQuery);
        if (errors.Any) return errors.ToProblem();
        int take = Page<SubscriptionDto>.Limit(limit);
        DateTimeOffset now = services.Time.GetUtcNow();
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        List<SubscriptionDto> rows = await SubscriptionsStore.ListAsync(conn, filter, Scope(user), now, after, take, services.Links.PrefixFor(http), ct);
        Page<SubscriptionDto> page = Page<SubscriptionDto>.From(rows, take, s => s.Id); // drops the look-ahead row before Redis is asked
        return TypedResults.Ok(page with { Items = await WithUsageAsync(rows, services, now, ct) });
    }

    private static async Task<Results<Ok<SubscriptionDto>, ProblemHttpResult>> GetSubscription(
        Guid id, ClaimsPrincipal user, HttpRequest http, HttpResponse response, [AsParameters] SubscriptionServices services, CancellationToken ct)
    {
        DateTimeOffset now = services.Time.GetUtcNow();
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        // Someone else's subscription answers exactly like a missing one, so ids cannot be probed.
        SubscriptionDto? dto = await SubscriptionsStore.GetAsync(conn, null, id, Scope(user), now, services.Links.PrefixFor(http), ct);
        if (dto is null) return Problem.NotFound("subscription", id);
        return TypedResults.Ok(await WithUsageAsync(dto, services, response, now, ct));
    }

    private static async Task<Results<Created<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> CreateSubscription(
        CreateSubscriptionRequest request, ClaimsPrincipal user, HttpRequest http, HttpResponse response, [AsParameters] SubscriptionServices services,
        CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (request.OwnerId is null || request.OwnerId == Guid.Empty) errors.Add("ownerId", "A subscription needs an owner (a user id).");
        CheckFields(errors, request.Title, request.Description, request.MaxTraffic, request.MaxSpeed, request.TrafficResetPeriod, request.DeviceLimit);
        if (errors.Any) return errors.ToProblem();

        Guid id = Ids.NewId();
        DateTimeOffset now = services.Time.GetUtcNow();
        string link;
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        try
        {
            link = await SubscriptionsStore.InsertAsync(conn, tx, id, request, now, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return Problem.Of(ProblemTypes.ReferenceMissing, $"No user has id {request.OwnerId}.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.create", AuditStore.Target("subscription", id), Meta(request), ct);
        SubscriptionDto dto = (await SubscriptionsStore.GetAsync(conn, tx, id, null, now, services.Links.PrefixFor(http), ct))!;
        await tx.CommitAsync(ct);
        services.Index.Set(id, link, dto.Version); // served by this instance at once; others on link_changed
        return TypedResults.Created($"/api/v1/subscriptions/{id}", await WithUsageAsync(dto, services, response, now, ct));
    }

    private static async Task<Results<Ok<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> UpdateSubscription(
        Guid id, UpdateSubscriptionRequest request, ClaimsPrincipal user, HttpRequest http, HttpResponse response,
        [AsParameters] SubscriptionServices services, CancellationToken ct)
    {
        var errors = new FieldErrors();
        CheckFields(errors, request.Title, request.Description, request.MaxTraffic, request.MaxSpeed, request.TrafficResetPeriod, request.DeviceLimit);
        Precondition expected = Precondition.Read(http, request.Version, errors);
        if (!expected.Present) errors.Add("version", "Send the version you read, as an If-Match header (the ETag) or a version field.");
        if (errors.Any) return errors.ToProblem();

        DateTimeOffset now = services.Time.GetUtcNow();
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        try
        {
            if (!await SubscriptionsStore.UpdateAsync(conn, tx, id, request, expected.Version, ct))
                return await MissOrStaleAsync(conn, tx, id, expected.Version, null, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return Problem.Of(ProblemTypes.ReferenceMissing, $"No user has id {request.OwnerId}.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.update", AuditStore.Target("subscription", id), Meta(request), ct);
        SubscriptionDto dto = (await SubscriptionsStore.GetAsync(conn, tx, id, null, now, services.Links.PrefixFor(http), ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(await WithUsageAsync(dto, services, response, now, ct));
    }

    private static Task<Results<Ok<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> SuspendSubscription(
        Guid id, ClaimsPrincipal user, HttpRequest http, HttpResponse response, [AsParameters] SubscriptionServices services, CancellationToken ct)
        => SetSuspendedAsync(id, true, user, http, response, services, ct);

    private static Task<Results<Ok<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> ResumeSubscription(
        Guid id, ClaimsPrincipal user, HttpRequest http, HttpResponse response, [AsParameters] SubscriptionServices services, CancellationToken ct)
        => SetSuspendedAsync(id, false, user, http, response, services, ct);

    private static async Task<Results<Ok<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> SetSuspendedAsync(
        Guid id, bool suspend, ClaimsPrincipal user, HttpRequest http, HttpResponse response, SubscriptionServices services, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Precondition expected = Precondition.Read(http, null, errors);
        if (errors.Any) return errors.ToProblem();
        DateTimeOffset now = services.Time.GetUtcNow();
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await SubscriptionsStore.SetSuspendedAsync(conn, tx, id, suspend, expected.Version, ct))
            return await MissOrStaleAsync(conn, tx, id, expected.Version, null, ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), suspend ? "subscription.suspend" : "subscription.resume",
            AuditStore.Target("subscription", id), null, ct);
        SubscriptionDto dto = (await SubscriptionsStore.GetAsync(conn, tx, id, null, now, services.Links.PrefixFor(http), ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(await WithUsageAsync(dto, services, response, now, ct));
    }

    private static async Task<Results<Ok<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> ResetSubscriptionUsage(
        Guid id, ClaimsPrincipal user, HttpRequest http, HttpResponse response, [AsParameters] SubscriptionServices services, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Precondition expected = Precondition.Read(http, null, errors);
        if (errors.Any) return errors.ToProblem();
        DateTimeOffset now = services.Time.GetUtcNow();
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await SubscriptionsStore.ResetUsageAsync(conn, tx, id, expected.Version, ct) is not { } period)
            return await MissOrStaleAsync(conn, tx, id, expected.Version, null, ct);
        UsageKey key = services.Usage.KeyOf(id, period.EffectivePeriod, period.Anchor, now.ToUnixTimeMilliseconds());
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.reset_usage", AuditStore.Target("subscription", id), null, ct);
        SubscriptionDto dto = (await SubscriptionsStore.GetAsync(conn, tx, id, null, now, services.Links.PrefixFor(http), ct))!;
        try
        {
            // Before the commit: if Redis refuses, the flag stays set and the audit entry is not written.
            await services.Usage.DeleteAsync([key], ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Problem.Of(ProblemTypes.Unavailable, "Redis did not answer; the usage was not reset.");
        }
        await tx.CommitAsync(ct);
        return TypedResults.Ok(await WithUsageAsync(dto, services, response, now, ct));
    }

    private static async Task<Results<Ok<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> RotateSubscriptionLink(
        Guid id, ClaimsPrincipal user, HttpRequest http, HttpResponse response, [AsParameters] SubscriptionServices services, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Precondition expected = Precondition.Read(http, null, errors);
        if (errors.Any) return errors.ToProblem();
        Guid? scope = Scope(user);
        DateTimeOffset now = services.Time.GetUtcNow();
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await SubscriptionsStore.RotateLinkAsync(conn, tx, id, expected.Version, scope, ct) is not { } rotated)
        {
            // Scoped like the read: a customer learns nothing about a subscription that is not theirs.
            return await MissOrStaleAsync(conn, tx, id, expected.Version, scope, ct);
        }
        // The audit entry names the subscription, never the token: the log is kept and read by staff.
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.rotate_link", AuditStore.Target("subscription", id), null, ct);
        SubscriptionDto dto = (await SubscriptionsStore.GetAsync(conn, tx, id, null, now, services.Links.PrefixFor(http), ct))!;
        await tx.CommitAsync(ct);
        // This instance stops serving the old token before answering, not when its own notification comes back;
        // the others drop it on link_changed.
        services.Index.Set(id, rotated.Token, rotated.Version);
        return TypedResults.Ok(await WithUsageAsync(dto, services, response, now, ct));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteSubscription(
        Guid id, ClaimsPrincipal user, HttpRequest http, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        Precondition expected = Precondition.Read(http, null, errors);
        if (errors.Any) return errors.ToProblem();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await SubscriptionsStore.DeleteAsync(conn, tx, id, expected.Version, ct)) return await MissOrStaleAsync(conn, tx, id, expected.Version, null, ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.delete", AuditStore.Target("subscription", id), null, ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Customers are confined to their own subscriptions; staff see all.</summary>
    private static Guid? Scope(ClaimsPrincipal user) => user.IsStaff() ? null : user.UserId();

    private static void CheckFields(FieldErrors errors, string? title, string? description, long? maxTraffic, long? maxSpeed, string? period,
        int? deviceLimit)
    {
        errors.MaxLength("title", title, MaxTitle);
        errors.MaxLength("description", description, MaxDescription);
        errors.NonNegative("maxTraffic", maxTraffic);
        errors.NonNegative("maxSpeed", maxSpeed);
        errors.ResetPeriod("trafficResetPeriod", period);
        errors.DeviceLimit("deviceLimit", deviceLimit);
    }

    /// <summary>A guarded change touched no row: the subscription is gone (404) or its version moved on (412).</summary>
    private static async Task<ProblemHttpResult> MissOrStaleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, long? expected, Guid? scopeOwner,
        CancellationToken ct)
    {
        return await SubscriptionsStore.VersionAsync(conn, tx, id, scopeOwner, ct) is { } version
            ? Problem.Of(ProblemTypes.StaleVersion, $"The subscription is at version {version}, not {expected}; read it again and reapply the change.")
            : Problem.NotFound("subscription", id);
    }

    private static async Task<SubscriptionDto> WithUsageAsync(SubscriptionDto dto, SubscriptionServices services, HttpResponse response, DateTimeOffset now,
        CancellationToken ct)
    {
        response.Headers.ETag = Precondition.ETag(dto.Version);
        return (await WithUsageAsync([dto], services, now, ct))[0];
    }

    /// <summary>Adds live usage to the rows, in one Redis round for all of them; without it when Redis cannot answer, so a list still shows.</summary>
    private static async Task<List<SubscriptionDto>> WithUsageAsync(List<SubscriptionDto> rows, SubscriptionServices services, DateTimeOffset now,
        CancellationToken ct)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        var keys = new UsageKey[rows.Count];
        for (int i = 0; i < rows.Count; i++) keys[i] = services.Usage.KeyOf(rows[i].Id, rows[i].Effective.TrafficResetPeriod, rows[i].ResetAnchor, nowMs);
        long[] used;
        try
        {
            used = await services.Usage.ReadAsync(keys, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            SubscriptionsLog.UsageUnavailable(services.Logger, keys.Length, ex);
            return rows;
        }
        for (int i = 0; i < rows.Count; i++) rows[i] = rows[i] with { Usage = new SubscriptionUsage(used[i], keys[i].PeriodStart) };
        return rows;
    }

    private static JsonElement Meta<T>(T request) where T : class
        => JsonSerializer.SerializeToElement(request, typeof(T), SubscriptionsJsonContext.Default);

    private static JsonElement Meta(JsonObject meta) => JsonSerializer.SerializeToElement(meta, SubscriptionsJsonContext.Default.JsonObject);
}
