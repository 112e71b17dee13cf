using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Audit;

/// <summary>The audit log of every operator and superuser change, readable by superusers only (DESIGN.md).</summary>
internal static class AuditEndpoints
{
    public const int MaxFilterLength = 200;

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/audit").WithTags("Audit log").RequireAuthorization(Policies.Superuser).RequireScope(ApiScopes.AuditRead);
        g.MapGet("/", ListAudit).WithName(nameof(ListAudit))
            .WithSummary("Audit log entries, newest first, filtered by actor, action, target and time range [from, to).");
        return g;
    }

    private static async Task<Results<Ok<AuditPage>, ValidationProblem>> ListAudit(
        Guid? actor, string? action, string? target, DateTimeOffset? from, DateTimeOffset? to, int? limit, long? after,
        NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (from is { } f && to is { } t && f >= t) errors["from"] = ["from must be earlier than to."];
        if (action is { Length: > MaxFilterLength }) errors["action"] = [$"action is longer than {MaxFilterLength} characters."];
        if (target is { Length: > MaxFilterLength }) errors["target"] = [$"target is longer than {MaxFilterLength} characters."];
        if (limit is < 1 or > Page<AuditEntry>.MaxLimit) errors["limit"] = [$"limit must be between 1 and {Page<AuditEntry>.MaxLimit}."];
        if (after is < 1) errors["after"] = ["after must be a positive entry id."];
        if (errors.Count > 0) return Problem.Validation(errors);

        int take = Page<AuditEntry>.Limit(limit);
        List<AuditEntry> rows = await AuditStore.ListAsync(db, actor, action, target, from, to, after, take, ct);
        if (rows.Count <= take) return TypedResults.Ok(new AuditPage(rows, null));
        rows.RemoveAt(rows.Count - 1);
        return TypedResults.Ok(new AuditPage(rows, rows[^1].Id));
    }
}
