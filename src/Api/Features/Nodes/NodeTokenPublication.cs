using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>
/// Keeps Ingest's view of node tokens (Redis, via <see cref="StatePublisher"/>) in line with <c>node_tokens</c>.
/// Publishing happens after the Postgres commit; <c>node_tokens.published</c> records that Redis caught up, so a
/// publish lost to a Redis outage or a crash is finished by <see cref="ReconcileAsync"/> (run at start-up and
/// periodically by <see cref="NodeTokenReconciler"/>). Redis failures surface as StackExchange.Redis exceptions
/// (<see cref="RedisFailure.Is"/>).
/// </summary>
internal sealed class NodeTokenPublication(NpgsqlDataSource db, StatePublisher publisher)
{
    private const int BatchSize = 100;

    /// <summary>Publishes an active token and records it; a token revoked meanwhile is removed again at once.</summary>
    public async Task PublishAsync(Guid tokenId, Guid nodeId, byte[] keyHash, CancellationToken ct)
    {
        await publisher.PublishNodeTokenAsync(keyHash, nodeId, tokenId, ct);
        if (!await NodesStore.MarkActivePublishedAsync(db, tokenId, ct))
        {
            await RemoveAsync(tokenId, keyHash, ct);
        }
    }

    /// <summary>Removes a revoked token's key from Redis and records it.</summary>
    public async Task RemoveAsync(Guid tokenId, byte[] keyHash, CancellationToken ct)
    {
        await publisher.RevokeNodeTokenAsync(keyHash, tokenId, ct);
        await NodesStore.MarkRevokedPublishedAsync(db, tokenId, ct);
    }

    /// <summary>Removes the keys of deleted tokens (a deleted node's) and drops their removal rows.</summary>
    public async Task RemoveDeletedAsync(IReadOnlyList<(Guid Id, byte[] KeyHash)> tokens, CancellationToken ct)
    {
        foreach ((Guid id, byte[] hash) in tokens)
        {
            await publisher.RevokeNodeTokenAsync(hash, id, ct);
        }
        await NodesStore.DeleteRemovalsAsync(db, [.. tokens.Select(t => t.KeyHash)], ct);
    }

    /// <summary>
    /// One reconciliation pass: publishes active tokens Redis lacks (unpublished ones, and drift such as a flushed
    /// Redis, checked through <paramref name="redis"/>), removes revoked and deleted tokens' keys. Idempotent;
    /// returns how many Redis writes it made.
    /// </summary>
    public async Task<int> ReconcileAsync(IDatabase redis, CancellationToken ct)
    {
        int writes = 0;
        Guid after = Guid.Empty;
        while (true)
        {
            await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
            await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
            var done = new List<Guid>();
            // The rows stay locked until commit: a revocation racing this pass waits, then deletes after us.
            var batch = await NodesStore.ReconcileBatchAsync(conn, tx, after, BatchSize, ct);
            foreach ((Guid id, Guid node, byte[] hash, bool active, bool published) in batch)
            {
                after = id;
                if (active && published
                    && await redis.HashGetAsync(RedisKeys.NodeToken(hash), "token_id").WaitAsync(ct) == id.ToString("N"))
                {
                    continue;
                }
                if (active) await publisher.PublishNodeTokenAsync(hash, node, id, ct);
                else await publisher.RevokeNodeTokenAsync(hash, id, ct);
                writes++;
                if (!published) done.Add(id);
            }
            if (done.Count > 0) await NodesStore.MarkPublishedAsync(conn, tx, [.. done], ct);
            await tx.CommitAsync(ct);
            if (batch.Count < BatchSize) break;
        }
        return writes + await ReconcileRemovalsAsync(ct);
    }

    private async Task<int> ReconcileRemovalsAsync(CancellationToken ct)
    {
        int writes = 0;
        while (true)
        {
            await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
            await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
            var removed = new List<byte[]>();
            var batch = await NodesStore.RemovalBatchAsync(conn, tx, BatchSize, ct);
            foreach ((byte[] hash, Guid id, bool reissued) in batch)
            {
                if (!reissued)
                {
                    await publisher.RevokeNodeTokenAsync(hash, id, ct);
                    writes++;
                }
                removed.Add(hash);
            }
            if (removed.Count > 0) await NodesStore.DeleteRemovalsAsync(conn, tx, [.. removed], ct);
            await tx.CommitAsync(ct);
            if (batch.Count < BatchSize) return writes;
        }
    }
}
