using System.Globalization;
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
        var g = app.MapGroup("/api/v1").WithTags("Usage");
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

        await using (var cmd = db.CreateCommand(UsageSql.SubscriptionOwner))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            // A customer asking for someone else's subscription learns no more than from an unknown id.
            if (await cmd.ExecuteScalarAsync(ct) is not Guid owner || (!user.IsStaff() && owner != user.UserId()))
                return Problem.NotFound("subscription", id);
        }
        string sql = range.Step == UsageStep.Hour ? UsageSql.SubscriptionHourly : UsageSql.SubscriptionDaily;
        var parameters = new ClickHouseParameters().Add("id", id).Add("from", range.From).Add("to", range.To);
        return await QueryAsync(clickHouse, sql, parameters, id, range, dateColumn: false, ct);
    }

    internal static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> GetNodeUsage(
        Guid id, [AsParameters] UsageQuery query, NpgsqlDataSource db, ClickHouseClient clickHouse, CancellationToken ct)
        => await GetDailyAsync(id, query, "node", UsageSql.NodeExists, UsageSql.NodeDaily, db, clickHouse, ct);

    internal static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> GetInboundUsage(
        Guid id, [AsParameters] UsageQuery query, NpgsqlDataSource db, ClickHouseClient clickHouse, CancellationToken ct)
        => await GetDailyAsync(id, query, "inbound", UsageSql.InboundExists, UsageSql.InboundDaily, db, clickHouse, ct);

    private static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> GetDailyAsync(
        Guid id, UsageQuery query, string resource, string existsSql, string usageSql, NpgsqlDataSource db, ClickHouseClient clickHouse, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (UsageRange.TryCreate(query, hourlyAvailable: false, errors) is not { } range) return Problem.Validation(errors);

        await using (var cmd = db.CreateCommand(existsSql))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            if (await cmd.ExecuteScalarAsync(ct) is null) return Problem.NotFound(resource, id);
        }
        var parameters = new ClickHouseParameters()
            .Add("id", id)
            .Add("from", DateOnly.FromDateTime(range.From.UtcDateTime))
            .Add("to", DateOnly.FromDateTime(range.To.UtcDateTime));
        return await QueryAsync(clickHouse, usageSql, parameters, id, range, dateColumn: true, ct);
    }

    private static async Task<Results<Ok<UsageHistory>, ValidationProblem, ProblemHttpResult>> QueryAsync(
        ClickHouseClient clickHouse, string sql, ClickHouseParameters parameters, Guid id, UsageRange range, bool dateColumn, CancellationToken ct)
    {
        List<string[]> rows;
        try
        {
            rows = await clickHouse.QueryRowsAsync(sql, parameters, ct);
        }
        catch (Exception ex) when (ex is ClickHouseUnavailableException or ClickHouseServerException { IsRemoteUnreachable: true })
        {
            // The server itself, or (sharded layout) a shard its Distributed tables need.
            return Problem.Of(ProblemTypes.Unavailable, "The usage history store (ClickHouse) is unreachable; retry later.");
        }
        var points = new List<UsagePoint>(rows.Count);
        long up = 0, down = 0;
        foreach (string[] row in rows)
        {
            DateTimeOffset start = dateColumn
                ? new DateTimeOffset(DateOnly.ParseExact(row[0], "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                : DateTimeOffset.FromUnixTimeSeconds(long.Parse(row[0], NumberStyles.None, CultureInfo.InvariantCulture));
            var point = new UsagePoint(start, ParseCount(row[1]), ParseCount(row[2]), ParseCount(row[3]));
            points.Add(point);
            up += point.BytesUp;
            down += point.BytesDown;
        }
        return TypedResults.Ok(new UsageHistory(id, range.Step == UsageStep.Hour ? "hour" : "day", range.From, range.To, up, down, points));
    }

    /// <summary>UInt64 sums; a byte count beyond long.MaxValue (8 EiB) cannot happen for one resource, so it saturates.</summary>
    private static long ParseCount(string text)
        => ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var v && v > long.MaxValue ? long.MaxValue : (long)v;
}
