using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Auth.ApiKeys;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Hosting;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>
/// <c>/api/v1/api-keys</c>: the signed-in user's own API keys, created (the key shown once), listed, revoked. A
/// session is required: a key cannot manage keys, so a leaked one can neither copy nor prolong itself.
/// </summary>
internal static class ApiKeysEndpoints
{
    public const string Prefix = "/api/v1/api-keys";

    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup(Prefix).WithTags("API keys").RequireAuthorization(Policies.SignedIn).RequireSession();
        g.MapPost("/", CreateApiKey).NoStore().WithName(nameof(CreateApiKey)).ProducesValidationProblem()
            .WithSummary("Create an API key with scopes (at most the caller's role allows), an optional expiry and IP allowlist, and a daily quota; the key is in this answer only.");
        g.MapGet("/", ListApiKeys).WithName(nameof(ListApiKeys)).WithSummary("The caller's active API keys, newest first, with their last use (never the keys).");
        g.MapDelete("/{id:guid}", RevokeApiKey).WithName(nameof(RevokeApiKey)).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Revoke one of the caller's API keys; it is refused from the next request, on every Api instance.");
        return g;
    }

    private static async Task<Results<Created<ApiKeyCreated>, ValidationProblem, ProblemHttpResult>> CreateApiKey(
        CreateApiKeyRequest request, ClaimsPrincipal user, NpgsqlDataSource db, ApiKeyOptions options, TimeProvider time, CancellationToken ct)
    {
        Guid userId = user.UserId();
        string role = user.FindFirstValue(ApiClaims.Role) ?? "";
        DateTimeOffset now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        if (ApiKeyValidation.Validate(request, role, options, now, errors) is not { } key) return Problem.Validation(errors);

        string secret = ApiKeyToken.Create();
        string prefix = ApiKeyToken.Display(secret);
        Guid id = Ids.NewId();
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            if (await ApiKeysStore.LockUserAsync(conn, tx, userId, ct) is not { } active) return Problem.Of(ProblemTypes.Forbidden, "The account is not active.");
            if (active >= options.MaxKeysPerUser)
            {
                return Problem.Validation(new Dictionary<string, string[]>(),
                    $"The account has {active} active API keys; the limit is {options.MaxKeysPerUser} (ApiKeys:MaxKeysPerUser). Revoke one first.");
            }
            await ApiKeysStore.InsertAsync(conn, tx, id, userId, key, ApiKeyToken.Hash(secret), prefix, now, ct);
            await AuditStore.AddAsync(conn, tx, userId, "api_key.create", AuditStore.Target("api_key", id),
                Meta(new JsonObject { ["name"] = key.Name, ["scopes"] = new JsonArray([.. key.Scopes.Select(s => JsonValue.Create(s))]) }), ct);
            await tx.CommitAsync(ct);
        }
        return TypedResults.Created($"{Prefix}/{id}",
            new ApiKeyCreated(id, key.Name, secret, prefix, key.Scopes, key.AllowedIps, key.DailyQuota, now, key.ExpiresAt));
    }

    private static async Task<Ok<List<ApiKeyResponse>>> ListApiKeys(ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
        => TypedResults.Ok(await ApiKeysStore.ListAsync(db, user.UserId(), ct));

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeApiKey(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, ApiKeyCache cache, TimeProvider time, CancellationToken ct)
    {
        Guid userId = user.UserId();
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            // Someone else's key answers like a missing one, so ids of other users' keys are not confirmed.
            if (!await ApiKeysStore.RevokeAsync(conn, tx, id, userId, time.GetUtcNow(), ct)) return Problem.NotFound("API key", id);
            await AuditStore.AddAsync(conn, tx, userId, "api_key.revoke", AuditStore.Target("api_key", id), null, ct);
            await tx.CommitAsync(ct);
        }
        // This instance forgets the key before answering; the others when the api_key_changed notice arrives.
        cache.Evict(id);
        return TypedResults.NoContent();
    }

    private static JsonElement Meta(JsonObject meta) => JsonSerializer.SerializeToElement(meta, ApiKeysJsonContext.Default.JsonObject);
}
