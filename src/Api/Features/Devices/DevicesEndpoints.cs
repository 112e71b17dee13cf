using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// Devices registered by config fetches (docs/api-accounts.md, "## Devices"). A signed-in user lists and removes the
/// devices of the subscriptions they own (<c>/api/v1/users/me/devices</c>; someone else's device answers 404, like
/// a missing one); staff list, remove and reset the devices of any subscription, audited. A removal frees the slot at
/// once: this instance evicts the subscription's cached config after the commit, the others on config_changed.
/// </summary>
internal static class DevicesEndpoints
{
    public static RouteGroupBuilder MapDevices(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder own = app.MapGroup("/api/v1/users/me/devices").WithTags("Devices").RequireAuthorization(Policies.SignedIn)
            .RequireScope(ApiScopes.SubscriptionsWrite);
        own.MapGet("/", ListMyDevices).WithName(nameof(ListMyDevices)).RequireScope(ApiScopes.SubscriptionsRead)
            .WithSummary("List the devices of your own subscriptions, newest first, by keyset pages (?limit=&after=).");
        own.MapDelete("/{id:guid}", DeleteMyDevice).WithName(nameof(DeleteMyDevice))
            .WithSummary("Remove one of your devices; its slot is free at once.");

        RouteGroupBuilder staff = app.MapGroup("/api/v1/subscriptions/{subscriptionId:guid}/devices").WithTags("Devices")
            .RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.SubscriptionsWrite);
        staff.MapGet("/", ListSubscriptionDevices).WithName(nameof(ListSubscriptionDevices)).RequireScope(ApiScopes.SubscriptionsRead)
            .WithSummary("List a subscription's devices, newest first, by keyset pages (?limit=&after=).");
        staff.MapDelete("/{id:guid}", DeleteSubscriptionDevice).WithName(nameof(DeleteSubscriptionDevice))
            .WithSummary("Remove one device of a subscription (audited); its slot is free at once.");
        staff.MapDelete("/", ResetSubscriptionDevices).WithName(nameof(ResetSubscriptionDevices))
            .WithSummary("Remove every device of a subscription (audited); answers how many were removed.");
        return staff;
    }

    private static async Task<Ok<Page<DeviceDto>>> ListMyDevices(
        [FromQuery] int? limit, [FromQuery] Guid? after, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<DeviceDto>.Limit(limit);
        List<DeviceDto> rows = await DevicesStore.ListOwnAsync(db, user.UserId(), after, take, ct);
        return TypedResults.Ok(Page<DeviceDto>.From(rows, take, d => d.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteMyDevice(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, ConfigCache cache, CancellationToken ct)
    {
        // Someone else's device answers exactly like a missing one, so ids cannot be probed.
        if (await DevicesStore.DeleteOwnAsync(db, id, user.UserId(), ct) is not { } subscriptionId) return Problem.NotFound("device", id);
        cache.Evict(subscriptionId);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Page<DeviceDto>>, ProblemHttpResult>> ListSubscriptionDevices(
        Guid subscriptionId, [FromQuery] int? limit, [FromQuery] Guid? after, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<DeviceDto>.Limit(limit);
        List<DeviceDto> rows = await DevicesStore.ListAsync(db, subscriptionId, after, take, ct);
        if (rows.Count == 0)
        {
            await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
            if (!await DevicesStore.SubscriptionExistsAsync(conn, null, subscriptionId, ct)) return Problem.NotFound("subscription", subscriptionId);
        }
        return TypedResults.Ok(Page<DeviceDto>.From(rows, take, d => d.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteSubscriptionDevice(
        Guid subscriptionId, Guid id, ClaimsPrincipal user, NpgsqlDataSource db, ConfigCache cache, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await DevicesStore.DeleteAsync(conn, tx, subscriptionId, id, ct) is not { } hwid) return Problem.NotFound("device", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "device.remove", AuditStore.Target("subscription", subscriptionId),
            Meta(new JsonObject { ["device"] = id, ["hwid"] = hwid }), ct);
        await tx.CommitAsync(ct);
        cache.Evict(subscriptionId);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<DevicesReset>, ProblemHttpResult>> ResetSubscriptionDevices(
        Guid subscriptionId, ClaimsPrincipal user, NpgsqlDataSource db, ConfigCache cache, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await DevicesStore.SubscriptionExistsAsync(conn, tx, subscriptionId, ct)) return Problem.NotFound("subscription", subscriptionId);
        int removed = await DevicesStore.ResetAsync(conn, tx, subscriptionId, ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "device.reset", AuditStore.Target("subscription", subscriptionId),
            Meta(new JsonObject { ["removed"] = removed }), ct);
        await tx.CommitAsync(ct);
        cache.Evict(subscriptionId);
        return TypedResults.Ok(new DevicesReset(removed));
    }

    private static JsonElement Meta(JsonObject meta) => JsonSerializer.SerializeToElement(meta, DevicesJsonContext.Default.JsonObject);
}
