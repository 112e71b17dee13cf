using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Nodes;
using Vpn.Perf.Api.Features.Usage;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// Operator analytics (staff only; docs/analytics.md, "Operator analytics endpoints"): traffic over time in total, per
/// node and per inbound, the top subscriptions, from the ClickHouse rollups; node status from Redis (last report) and
/// the minute rollup; subscriptions by state from Postgres. A store that cannot be reached answers 503.
/// </summary>
internal static class AnalyticsEndpoints
{
    public static RouteGroupBuilder MapAnalytics(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/analytics").WithTags("Analytics").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.AnalyticsRead);
        g.MapGet("/usage", GetTotalUsage)
            .WithName(nameof(GetTotalUsage))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("All traffic and its average bandwidth over time (hour or day steps).");
        g.MapGet("/usage/nodes", GetUsageByNode)
            .WithName(nameof(GetUsageByNode))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Traffic and bandwidth over time per node (hour or day steps).");
        g.MapGet("/usage/inbounds", GetUsageByInbound)
            .WithName(nameof(GetUsageByInbound))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Traffic and bandwidth over time per inbound (hour or day steps).");
        g.MapGet("/subscriptions/top", GetTopSubscriptions)
            .WithName(nameof(GetTopSubscriptions))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("The subscriptions with the most traffic over whole days.");
        g.MapGet("/subscriptions/states", GetSubscriptionStates)
            .WithName(nameof(GetSubscriptionStates))
            .WithSummary("How many subscriptions are active, expired, suspended and over their limit.");
        g.MapGet("/nodes", GetNodeStatus)
            .WithName(nameof(GetNodeStatus))
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Every node: online by its last report; reports/s, bytes/s and active subscriptions over the last minutes.");
        return g;
    }

    internal static async Task<Results<Ok<AnalyticsUsage>, ValidationProblem, ProblemHttpResult>> GetTotalUsage(
        [AsParameters] UsageQuery query, ClickHouseClient clickHouse, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (AnalyticsValidation.TryRange(query, AnalyticsValidation.MaxPoints, errors) is not { } range) return Problem.Validation(errors);
        if (await FromClickHouseAsync(AnalyticsStore.TotalAsync(clickHouse, range, ct)) is not { } points) return ClickHouseUnavailable();
        (long up, long down, long reports) = AnalyticsStore.Sum(points);
        return TypedResults.Ok(new AnalyticsUsage(StepName(range), range.From, range.To, up, down, reports, points));
    }

    internal static Task<Results<Ok<AnalyticsBreakdown>, ValidationProblem, ProblemHttpResult>> GetUsageByNode(
        [AsParameters] UsageQuery query, ClickHouseClient clickHouse, CancellationToken ct)
        => BreakdownAsync(query, clickHouse, byInbound: false, ct);

    internal static Task<Results<Ok<AnalyticsBreakdown>, ValidationProblem, ProblemHttpResult>> GetUsageByInbound(
        [AsParameters] UsageQuery query, ClickHouseClient clickHouse, CancellationToken ct)
        => BreakdownAsync(query, clickHouse, byInbound: true, ct);

    internal static async Task<Results<Ok<TopSubscriptions>, ValidationProblem, ProblemHttpResult>> GetTopSubscriptions(
        [AsParameters] TopQuery query, ClickHouseClient clickHouse, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (AnalyticsValidation.TryTop(query, errors) is not { } asked) return Problem.Validation(errors);
        if (await FromClickHouseAsync(AnalyticsStore.TopAsync(clickHouse, asked.Range, asked.Limit, ct)) is not { } top) return ClickHouseUnavailable();
        return TypedResults.Ok(new TopSubscriptions(asked.Range.From, asked.Range.To, asked.Limit, top));
    }

    internal static async Task<Ok<SubscriptionCounts>> GetSubscriptionStates([AsParameters] AnalyticsServices services, CancellationToken ct)
        => TypedResults.Ok(await AnalyticsStore.CountsAsync(services.Db, services.Time.GetUtcNow(), ct));

    internal static async Task<Results<Ok<NodeStatusReport>, ValidationProblem, ProblemHttpResult>> GetNodeStatus(
        [FromQuery(Name = "minutes")] string? minutes, [AsParameters] AnalyticsServices services, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (AnalyticsValidation.TryMinutes(minutes, errors) is not { } window) return Problem.Validation(errors);
        DateTimeOffset now = services.Time.GetUtcNow();
        // Whole minutes that have ended: the current one is still filling, and would make the rates dip.
        var to = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        DateTimeOffset from = to.AddMinutes(-window);

        List<(Guid Id, string Name)> nodes = await AnalyticsStore.NodesAsync(services.Db, AnalyticsValidation.MaxNodes + 1, ct);
        bool truncated = nodes.Count > AnalyticsValidation.MaxNodes;
        if (truncated) nodes.RemoveAt(nodes.Count - 1);
        DateTimeOffset?[] seen;
        try
        {
            seen = await NodeActivity.LastReportsAsync(services.Redis, [.. nodes.Select(n => n.Id)], ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Problem.Of(ProblemTypes.Unavailable, "Redis, where Ingest records node activity, is unavailable; retry later.");
        }
        if (await FromClickHouseAsync(AnalyticsStore.NodeTrafficAsync(services.ClickHouse, from, to, ct)) is not { } traffic) return ClickHouseUnavailable();

        double seconds = window * 60.0;
        var items = new List<NodeStatus>(nodes.Count);
        for (int i = 0; i < nodes.Count; i++)
        {
            NodeTraffic t = traffic.GetValueOrDefault(nodes[i].Id);
            items.Add(new NodeStatus(nodes[i].Id, nodes[i].Name, seen[i], NodeActivity.IsActive(seen[i], now, services.Nodes.ActiveWindow),
                t.Reports, t.Reports / seconds, t.BytesUp, t.BytesDown, t.BytesUp / seconds, t.BytesDown / seconds, t.Subscriptions));
        }
        return TypedResults.Ok(new NodeStatusReport(from, to, window, truncated, items));
    }

    private static async Task<Results<Ok<AnalyticsBreakdown>, ValidationProblem, ProblemHttpResult>> BreakdownAsync(
        UsageQuery query, ClickHouseClient clickHouse, bool byInbound, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (AnalyticsValidation.TryRange(query, AnalyticsValidation.MaxBreakdownPoints, errors) is not { } range) return Problem.Validation(errors);
        if (await FromClickHouseAsync(AnalyticsStore.BreakdownAsync(clickHouse, range, byInbound, ct)) is not { } series) return ClickHouseUnavailable();
        return TypedResults.Ok(new AnalyticsBreakdown(StepName(range), range.From, range.To, series));
    }

    /// <summary>The query's answer, or null when ClickHouse (or, on shards, a shard its Distributed tables need) is unreachable.</summary>
    private static async Task<T?> FromClickHouseAsync<T>(Task<T> query) where T : class
    {
        try
        {
            return await query;
        }
        catch (Exception ex) when (ex is ClickHouseUnavailableException or ClickHouseServerException { IsRemoteUnreachable: true })
        {
            return null;
        }
    }

    private static ProblemHttpResult ClickHouseUnavailable()
        => Problem.Of(ProblemTypes.Unavailable, "The usage history store (ClickHouse) is unreachable; retry later.");

    private static string StepName(UsageRange range) => range.Step == UsageStep.Hour ? "hour" : "day";
}
