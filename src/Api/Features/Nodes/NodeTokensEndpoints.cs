using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Hosting;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;
using static Vpn.Perf.Api.Features.Nodes.NodesEndpoints;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>
/// A node's tokens (staff only), under <c>/api/v1/nodes/{id}/tokens</c>: created with a key shown once, listed without
/// keys, revoked. Postgres holds them; <see cref="NodeTokenPublication"/> puts their hashes where Ingest reads them.
/// </summary>
internal static class NodeTokensEndpoints
{
    public static void MapNodeTokens(this RouteGroupBuilder nodes)
    {
        nodes.MapPost("/{id:guid}/tokens", CreateToken).NoStore().WithName(nameof(CreateToken))
            .WithSummary("Create a node token; its key is in this answer only, and Ingest accepts it once the answer is 201.");
        nodes.MapGet("/{id:guid}/tokens", ListTokens).WithName(nameof(ListTokens)).RequireScope(ApiScopes.NodesRead).WithSummary("List a node's tokens, newest first (never the keys).");
        nodes.MapDelete("/{id:guid}/tokens/{tokenId:guid}", RevokeToken).WithName(nameof(RevokeToken))
            .WithSummary("Revoke a node token (idempotent: repeating it repeats the removal from Redis).");
    }

    private static async Task<Results<Created<NodeTokenCreated>, ProblemHttpResult>> CreateToken(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, NodeTokenPublication publication, CancellationToken ct)
    {
        string key = NodeTokenKey.Create();
        byte[] hash = NodeTokenKey.Hash(key);
        Guid tokenId = Ids.NewId();
        Guid actor = user.UserId();
        DateTimeOffset createdAt;
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            if (await NodesStore.InsertTokenAsync(conn, tx, tokenId, id, hash, ct) is not { } at) return Problem.NotFound("node", id);
            createdAt = at;
            await AuditStore.AddAsync(conn, tx, actor, "node_token.create", AuditStore.Target("node_token", tokenId), Meta(new { nodeId = id }), ct);
            await tx.CommitAsync(ct);
        }
        try
        {
            await publication.PublishAsync(tokenId, id, hash, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            // The key is never shown, so nobody could use this token: withdraw it rather than leave an active token no
            // one holds. Should the withdrawal fail too, the reconciler publishes it later and an operator can revoke it.
            await WithdrawAsync(db, tokenId, id, actor, ct);
            return Problem.Of(ProblemTypes.Unavailable,
                "Redis is unavailable, so the new token could not be published for Ingest; it was withdrawn and its key discarded. Retry the request.");
        }
        return TypedResults.Created($"/api/v1/nodes/{id}/tokens/{tokenId}", new NodeTokenCreated(tokenId, id, key, createdAt));
    }

    private static async Task<Results<Ok<Page<NodeTokenResponse>>, ProblemHttpResult>> ListTokens(
        Guid id, int? limit, Guid? after, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<NodeTokenResponse>.Limit(limit);
        if (await NodesStore.ListTokensAsync(db, id, after, take, ct) is not { } rows) return Problem.NotFound("node", id);
        return TypedResults.Ok(Page<NodeTokenResponse>.From(rows, take, t => t.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(
        Guid id, Guid tokenId, ClaimsPrincipal user, NpgsqlDataSource db, NodeTokenPublication publication, CancellationToken ct)
    {
        byte[] hash;
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            if (await NodesStore.RevokeTokenAsync(conn, tx, tokenId, id, ct) is not { } revoked) return Problem.NotFound("node token", tokenId);
            hash = revoked.KeyHash;
            if (revoked.Newly)
            {
                await AuditStore.AddAsync(conn, tx, user.UserId(), "node_token.revoke", AuditStore.Target("node_token", tokenId), Meta(new { nodeId = id }), ct);
            }
            await tx.CommitAsync(ct);
        }
        try
        {
            await publication.RemoveAsync(tokenId, hash, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Problem.Of(ProblemTypes.Unavailable,
                "The token is revoked, but Redis is unavailable, so Ingest may still accept it until the removal reaches Redis. Repeat the request, or the token reconciler removes it (Nodes:TokenReconcileInterval).");
        }
        return TypedResults.NoContent();
    }

    private static async Task WithdrawAsync(NpgsqlDataSource db, Guid tokenId, Guid nodeId, Guid actor, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        await NodesStore.WithdrawTokenAsync(conn, tx, tokenId, ct);
        await AuditStore.AddAsync(conn, tx, actor, "node_token.revoke", AuditStore.Target("node_token", tokenId),
            Meta(new { nodeId, reason = "publish-failed" }), ct);
        await tx.CommitAsync(ct);
    }
}
