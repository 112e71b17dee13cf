using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// <c>/api/v1/config-template</c>: the base template every rendered config starts from. Staff read it and replace
/// it whole; a save is validated (<see cref="ConfigTemplateValidator"/>), versioned against lost updates, audited,
/// and reaches every Api instance's cache through the config_changed trigger.
/// </summary>
internal static class ConfigTemplateEndpoints
{
    /// <summary>Templates are a few KB; this bounds what a save may make every render copy.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapConfigTemplate(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/config-template").WithTags("Configs").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.NodesWrite);
        g.MapGet("/", GetConfigTemplate).WithName(nameof(GetConfigTemplate)).RequireScope(ApiScopes.NodesRead).WithSummary("The base template of every rendered sing-box config.");
        g.MapPut("/", PutConfigTemplate).WithName(nameof(PutConfigTemplate))
            .WithSummary("Replaces the base template (validated for sing-box 1.12 and 1.13; version must match the one read).");
        return g;
    }

    private static async Task<Ok<ConfigTemplateView>> GetConfigTemplate(NpgsqlDataSource db, CancellationToken ct)
    {
        if (await ConfigsStore.GetTemplateAsync(db, ct) is not { } stored)
        {
            // The row is gone (deleted by hand): renders use the shipped default, so show that as version 0.
            return TypedResults.Ok(new ConfigTemplateView(0, DateTimeOffset.UnixEpoch, null, ParseBody(DefaultConfigTemplate.Json)));
        }
        return TypedResults.Ok(new ConfigTemplateView(stored.Version, stored.UpdatedAt, stored.UpdatedBy, ParseBody(stored.Body)));
    }

    private static async Task<Results<Ok<ConfigTemplateView>, ValidationProblem, ProblemHttpResult>> PutConfigTemplate(
        ConfigTemplateUpdate request, ClaimsPrincipal user, NpgsqlDataSource db, ILogger<ConfigTemplateUpdate> logger, CancellationToken ct)
    {
        if (request.Body.ValueKind == JsonValueKind.Undefined) return Problem.Validation("body", "Required: the template document.");
        string body = request.Body.GetRawText();
        if (Encoding.UTF8.GetByteCount(body) > MaxBodyBytes)
            return Problem.Validation("body", $"The template is larger than {MaxBodyBytes / 1024} KiB.");
        if (!ConfigTemplate.TryCreate(body, request.Version + 1, "body", out _, out var errors)) return Problem.Validation(errors);

        Guid actor = user.UserId();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await ConfigsStore.UpdateTemplateAsync(conn, tx, body, actor, request.Version, ct) is not (long version, DateTimeOffset updatedAt))
        {
            return Problem.Of(ProblemTypes.StaleVersion,
                $"The template is no longer at version {request.Version}; read it again and reapply your change.");
        }
        // Meta keeps versions, not the body: the body is in the table, and the audit log stays small.
        JsonElement meta = JsonSerializer.SerializeToElement(new Dictionary<string, long> { ["from_version"] = request.Version, ["version"] = version });
        await AuditStore.AddAsync(conn, tx, actor, "config_template.update", "config_template:1", meta, ct);
        await tx.CommitAsync(ct);
        ConfigsLog.TemplateSaved(logger, version, actor);
        return TypedResults.Ok(new ConfigTemplateView(version, updatedAt, actor, request.Body));
    }

    private static JsonElement ParseBody(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
