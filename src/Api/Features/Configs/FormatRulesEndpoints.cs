using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// <c>/api/v1/config-format-rules</c>: the User-Agent rules that choose a config URL's format when the URL names none.
/// Staff read them and replace them whole; a save is validated (every pattern compiled as the config path runs it),
/// versioned against lost updates, audited, and reaches every Api instance through the format_rules_changed notice.
/// </summary>
internal static class FormatRulesEndpoints
{
    public static RouteGroupBuilder MapFormatRules(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/config-format-rules").WithTags("Configs").RequireAuthorization(Policies.Staff)
            .RequireScope(ApiScopes.NodesWrite);
        g.MapGet("/", GetFormatRules).WithName(nameof(GetFormatRules)).RequireScope(ApiScopes.NodesRead).WithSummary("The User-Agent rules that choose a config URL's format.");
        g.MapPut("/", PutFormatRules).WithName(nameof(PutFormatRules))
            .WithSummary("Replaces the User-Agent rules (each pattern compiled; version must match the one read).");
        return g;
    }

    private static async Task<Ok<FormatRulesView>> GetFormatRules(NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        if (await ConfigsStore.GetFormatRulesAsync(conn, ct) is not { } stored)
        {
            // The row is gone (deleted by hand): fetches use the shipped rules, so show those as version 0.
            return TypedResults.Ok(View(0, DateTimeOffset.UnixEpoch, null, FormatRules.Default));
        }
        IReadOnlyList<FormatRule> rules = JsonSerializer.Deserialize(stored.Rules, ConfigsJsonContext.Default.IReadOnlyListFormatRule) ?? [];
        return TypedResults.Ok(new FormatRulesView(stored.Version, stored.UpdatedAt, stored.UpdatedBy, rules, stored.Fallback, ConfigFormats.Names));
    }

    private static async Task<Results<Ok<FormatRulesView>, ValidationProblem, ProblemHttpResult>> PutFormatRules(
        FormatRulesUpdate request, ClaimsPrincipal user, NpgsqlDataSource db, ILogger<FormatRulesUpdate> logger, CancellationToken ct)
    {
        if (request.Rules is null) return Problem.Validation("rules", "Required: the rules in order (an empty list sends every fetch to the fallback).");
        if (request.Fallback is null) return Problem.Validation("fallback", "Required: one of " + string.Join(", ", ConfigFormats.Names) + ".");
        if (FormatRules.Create(request.Rules, request.Fallback, out var errors) is not { } rules) return Problem.Validation(errors);

        Guid actor = user.UserId();
        string json = JsonSerializer.Serialize(rules.Rules, ConfigsJsonContext.Default.IReadOnlyListFormatRule);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await ConfigsStore.UpdateFormatRulesAsync(conn, tx, json, ConfigFormats.Names[(int)rules.Fallback], actor, request.Version, ct)
            is not (long version, DateTimeOffset updatedAt))
        {
            return Problem.Of(ProblemTypes.StaleVersion,
                $"The format rules are no longer at version {request.Version}; read them again and reapply your change.");
        }
        JsonElement meta = JsonSerializer.SerializeToElement(new Dictionary<string, long> { ["from_version"] = request.Version, ["version"] = version });
        await AuditStore.AddAsync(conn, tx, actor, "config_format_rules.update", "config_format_rules:1", meta, ct);
        await tx.CommitAsync(ct);
        ConfigsLog.FormatRulesSaved(logger, version, actor);
        return TypedResults.Ok(View(version, updatedAt, actor, rules));
    }

    private static FormatRulesView View(long version, DateTimeOffset updatedAt, Guid? updatedBy, FormatRules rules)
        => new(version, updatedAt, updatedBy, rules.Rules, ConfigFormats.Names[(int)rules.Fallback], ConfigFormats.Names);
}
