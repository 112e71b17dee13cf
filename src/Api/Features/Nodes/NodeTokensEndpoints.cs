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
        nodes.MapGet("/{id:guid}/tokens", ListTokens).WithName(nameof(ListTokens)).WithSummary("List a node's tokens, newest first (never the keys).");
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
            await using (var cmd = new NpgsqlCommand(NodesSql.InsertToken, conn, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
                if (await cmd.ExecuteScalarAsync(ct) is not DateTime at) return Problem.NotFound("node", id);
                createdAt = new DateTimeOffset(at, TimeSpan.Zero);
            }
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
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NodesSql.Exists) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = id } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NodesSql.ListTokens)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = id },
                new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid, TypedValue = after },
                new NpgsqlParameter<int> { TypedValue = take + 1 },
            },
        });
        await using NpgsqlDataReader r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return Problem.NotFound("node", id);
        await r.NextResultAsync(ct);
        var rows = new List<NodeTokenResponse>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new NodeTokenResponse(r.GetGuid(0), id, r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2)));
        }
        return TypedResults.Ok(Page<NodeTokenResponse>.From(rows, take, t => t.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeToken(
        Guid id, Guid tokenId, ClaimsPrincipal user, NpgsqlDataSource db, NodeTokenPublication publication, CancellationToken ct)
    {
        byte[] hash;
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            bool newly;
            await using (var cmd = new NpgsqlCommand(NodesSql.RevokeToken, conn, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
                if (!await r.ReadAsync(ct)) return Problem.NotFound("node token", tokenId);
                hash = r.GetFieldValue<byte[]>(0);
                newly = r.GetBoolean(1);
            }
            if (newly)
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
        await using (var cmd = new NpgsqlCommand(NodesSql.WithdrawToken, conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await AuditStore.AddAsync(conn, tx, actor, "node_token.revoke", AuditStore.Target("node_token", tokenId),
            Meta(new { nodeId, reason = "publish-failed" }), ct);
        await tx.CommitAsync(ct);
    }
}
