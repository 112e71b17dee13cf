using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Repairs drift between Postgres and Redis that the outbox cannot see (a Redis flush or restore, a hand edit, a
/// publish lost to a bug): once at start-up, every <see cref="StateSyncOptions.ReconcileInterval"/> and when the dispatcher saw Redis
/// come back (<see cref="ReconcileTrigger"/>), walks the
/// subscriptions in keyset pages, compares each state hash field by field with Postgres and re-enqueues every
/// subscription whose hash differs or is missing (the dispatcher then publishes it, the one write path). The same
/// pages re-check <c>is_over_limit</c>, which clears flags after a period reset. One instance per database runs a
/// pass at a time (advisory lock); a pass looks at most at <see cref="StateSyncOptions.ReconcileMaxPerPass"/>
/// subscriptions and the next one continues after the last id it saw.
/// </summary>
internal sealed class StateReconciler(
    NpgsqlDataSource db,
    IDatabase redis,
    StatePublisher publisher,
    OverLimitEvaluator overLimit,
    StateSyncOptions options,
    ReconcileTrigger trigger,
    ILogger<StateReconciler> logger) : BackgroundService
{
    private Guid _cursor = Guid.Empty;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunPassAsync(stoppingToken);
                await trigger.WaitAsync(options.ReconcileInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Loop boundary: the next pass starts over from the same cursor.
                StateSyncLog.ReconcileFailed(logger, ex.Message);
                try
                {
                    await trigger.WaitAsync(options.ReconcileInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One bounded pass; returns how many subscriptions were re-enqueued, or -1 when another instance holds the pass.</summary>
    internal async Task<int> RunPassAsync(CancellationToken ct)
    {
        await using NpgsqlConnection lockConn = await db.OpenConnectionAsync(ct);
        if (!await StateSyncStore.TryLockReconcilerAsync(lockConn, ct)) return -1;
        try
        {
            int seen = 0, repaired = 0, flags = 0;
            while (seen < options.ReconcileMaxPerPass)
            {
                List<SubscriptionStateRow> page = await StateSyncStore.ReconcilePageAsync(db, _cursor, Math.Min(options.ReconcilePageSize, options.ReconcileMaxPerPass - seen), ct);
                if (page.Count == 0)
                {
                    _cursor = Guid.Empty; // end of the table: the next pass starts from the beginning
                    break;
                }
                seen += page.Count;
                List<Guid> drifted = await FindDriftAsync(page, ct);
                if (drifted.Count > 0)
                {
                    await EnqueueAsync(drifted, ct);
                    repaired += drifted.Count;
                }
                flags += await overLimit.CheckAsync(page, "reconciler", ct);
                _cursor = page[^1].Id;
            }
            StateSyncLog.ReconcilePass(logger, seen, repaired, flags);
            return repaired;
        }
        finally
        {
            // The session lock would also end with the connection; unlock explicitly because the pool keeps it open.
            await StateSyncStore.UnlockReconcilerAsync(lockConn, CancellationToken.None);
        }
    }

    /// <summary>
    /// One pipelined HGETALL per subscription of the page and one EXPIRE per scope the page names (which also keeps every
    /// scope in use alive); returns the subscriptions whose hash is not what Postgres says or whose scope key is gone.
    /// </summary>
    private async Task<List<Guid>> FindDriftAsync(List<SubscriptionStateRow> page, CancellationToken ct)
    {
        var reads = new Task<HashEntry[]>[page.Count];
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < page.Count; i++)
        {
            reads[i] = redis.HashGetAllAsync(RedisKeys.SubscriptionState(page[i].Id, publisher.BucketCount));
            if (page[i].State!.Scope.Count > 0) scopes.Add(page[i].State!.Scope.Id);
        }
        HashSet<string> missingScopes = await publisher.RenewScopesAsync(scopes, ct);
        await Task.WhenAll(reads).WaitAsync(ct);
        var drifted = new List<Guid>();
        for (int i = 0; i < page.Count; i++)
        {
            SubscriptionState state = page[i].State!;
            if (!Matches(reads[i].Result, StatePublisher.FieldValues(state)) || missingScopes.Contains(state.Scope.Id)) drifted.Add(page[i].Id);
        }
        return drifted;
    }

    /// <summary>True when the hash holds every expected field with the expected value (extra fields are ignored).</summary>
    private static bool Matches(HashEntry[] hash, string[] expected)
    {
        if (hash.Length == 0) return false;
        var actual = new Dictionary<string, string?>(hash.Length, StringComparer.Ordinal);
        foreach (HashEntry entry in hash) actual[entry.Name.ToString()] = entry.Value;
        for (int e = 0; e + 1 < expected.Length; e += 2)
        {
            if (!actual.TryGetValue(expected[e], out string? value) || !string.Equals(value, expected[e + 1], StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private async Task EnqueueAsync(List<Guid> ids, CancellationToken ct)
    {
        await StateSyncStore.EnqueueAsync(db, [.. ids], ct);
        StateSyncLog.DriftRepaired(logger, ids.Count);
    }
}
