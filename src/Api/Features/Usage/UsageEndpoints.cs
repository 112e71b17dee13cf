using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Usage;

/// <summary>
/// Usage history from the ClickHouse rollups (docs/analytics.md): per subscription (hour or day steps; a customer
/// reads only their own, anyone else's answers 404 as if it did not exist), per node and per inbound (day steps,
/// staff only).
/// </summary>
internal static class UsageEndpoints
{
    public static RouteGroupBuilder MapUsage(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1").WithTags("Usage").RequireScope(ApiScopes.UsageRead);
        g.MapGet("/subscriptions/{id:guid}/usage", GetSubscriptionUsage)
            .WithName(nameof(GetSubscriptionUsage))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Usage history of a subscription (hour or day steps); customers see only their own.")
            .RequireAuthorization(Policies.SignedIn);
        g.MapGet("/nodes/{id:guid}/usage", GetNodeUsage)
            .WithName(nameof(GetNodeUsage))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Usage history of a node (day steps).")
            .RequireAuthorization(Policies.Staff);
        g.MapGet("/inbounds/{id:guid}/usage", GetInboundUsage)
            .WithName(nameof(GetInboundUsage))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Usage history of an inbound (day steps).")
            .RequireAuthorization(Policies.Staff);
        return g;
    }

    internal static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> GetSubscriptionUsage(
        Guid id, [AsParameters] UsageQuery query, ClaimsPrincipal user, NpgsqlDataSource db, ClickHouseClient clickHouse, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (UsageRange.TryCreate(query, hourlyAvailable: true, errors) is not { } range) return Problem.Validation(errors);
        // A customer asking for someone else's subscription learns no more than from an unknown id.
        if (await UsageStore.SubscriptionOwnerAsync(db, id, ct) is not { } owner || (!user.IsStaff() && owner != user.UserId()))
            return Problem.NotFound("subscription", id);
        return await AnswerAsync(UsageStore.SubscriptionAsync(clickHouse, id, range, ct), id, range);
    }

    internal static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> GetNodeUsage(
        Guid id, [AsParameters] UsageQuery query, NpgsqlDataSource db, ClickHouseClient clickHouse, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (UsageRange.TryCreate(query, hourlyAvailable: false, errors) is not { } range) return Problem.Validation(errors);
        if (!await UsageStore.NodeExistsAsync(db, id, ct)) return Problem.NotFound("node", id);
        return await AnswerAsync(UsageStore.NodeAsync(clickHouse, id, range, ct), id, range);
    }

    internal static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> GetInboundUsage(
        Guid id, [AsParameters] UsageQuery query, NpgsqlDataSource db, ClickHouseClient clickHouse, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (UsageRange.TryCreate(query, hourlyAvailable: false, errors) is not { } range) return Problem.Validation(errors);
        if (!await UsageStore.InboundExistsAsync(db, id, ct)) return Problem.NotFound("inbound", id);
        return await AnswerAsync(UsageStore.InboundAsync(clickHouse, id, range, ct), id, range);
    }

    private static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> AnswerAsync(
        Task<List<UsagePoint>> query, Guid id, UsageRange range)
    {
        List<UsagePoint> points;
        try
        {
            points = await query;
        }
        catch (Exception ex) when (ex is ClickHouseUnavailableException or ClickHouseServerException { IsRemoteUnreachable: true })
        {
            // The server itself, or (sharded layout) a shard its Distributed tables need.
            return Problem.Of(ProblemTypes.Unavailable, "The usage history store (ClickHouse) is unreachable; retry later.");
        }
        long up = 0, down = 0;
        foreach (UsagePoint point in points)
        {
            up += point.BytesUp;
            down += point.BytesDown;
        }
        return TypedResults.Ok(new UsageHistory(id, range.Step == UsageStep.Hour ? "hour" : "day", range.From, range.To, up, down, points));
    }
}
