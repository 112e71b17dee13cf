using System.Globalization;
using StackExchange.Redis;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Who may insert a batch into ClickHouse when several Ingest instances hold it (a node's retry that reached another
/// instance): before each flush the sink claims its batches in Redis, and inserts only those it holds. The claim is
/// a key per batch whose value is the owner, this instance's spool id, with a lease: a claim whose owner died and never
/// came back lapses, and another holder of the batch takes it over. The owner is the spool, not the process, so the
/// same spool read again after a restart (or by <c>drain-spool</c>) finds its claims its own and goes on at once.
/// </summary>
/// <remarks>
/// Exactly once rests on two rules. The ledgers are read after the claim is taken, so whoever holds it sees every
/// insert made under an earlier claim. And a flush's inserts (two, each bounded by the ClickHouse request timeout) start
/// only if they end with a further request timeout of lease left (<see cref="LeavesTimeForInserts"/>): an insert the
/// client gave up on may still be finished by the server for a moment, and that must happen before anyone else can claim
/// the batch. The lease must therefore cover a whole flush: the claim round and two ledger queries (a request timeout
/// each), two inserts and that margin, which <see cref="MinLeaseTimeouts"/> request timeouts do. On shards every shard's
/// ledger reads and then its inserts run at once, so the bound is the same with the longest of their timeouts.
/// </remarks>
internal sealed class BatchClaims
{
    /// <summary>The shortest lease, in ClickHouse request timeouts (see the remarks).</summary>
    public const int MinLeaseTimeouts = 6;

    private readonly IDatabase _redis;
    private readonly TimeProvider _time;
    private readonly int _bucketCount;
    private readonly TimeSpan _requestTimeout;
    private readonly RedisValue[] _claimArgs;
    private readonly RedisValue[] _releaseArgs;

    public BatchClaims(IDatabase redis, DurableSpool spool, ClickHouseTargets clickHouse, IngestOptions options, TimeProvider time)
    {
        _redis = redis;
        _time = time;
        _bucketCount = options.BucketCount;
        _requestTimeout = clickHouse.RequestTimeout;
        Owner = spool.Id.ToString("N");
        Lease = options.ClaimLease;
        if (Lease < _requestTimeout * MinLeaseTimeouts)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Ingest:ClaimLease is {Lease.TotalSeconds} s; it must be at least {MinLeaseTimeouts} × the ClickHouse request timeout ({_requestTimeout.TotalSeconds} s, the connection string's timeout; on shards the longest): a claim must outlast a whole flush."));
        }
        _claimArgs = [Owner, (long)Lease.TotalMilliseconds];
        _releaseArgs = [Owner];
    }

    /// <summary>This instance's name in claims: its spool's id.</summary>
    public string Owner { get; }

    /// <summary>How long a claim lasts after it was taken or renewed (<c>Ingest:ClaimLease</c>).</summary>
    public TimeSpan Lease { get; }

    /// <summary>
    /// Claims <paramref name="batches"/> for this instance: one script call per key bucket, pipelined, taking the free
    /// claims and renewing its own. Returns the batches another instance holds, with that instance's id; normally none.
    /// Throws what Redis throws when it fails: then nothing may be inserted.
    /// </summary>
    public async Task<Dictionary<(Guid Node, ulong Seq), string>> ClaimAsync(IReadOnlyList<(Guid Node, ulong Seq)> batches, CancellationToken ct)
    {
        (List<int>[] members, RedisKey[][] keys) = ByBucket(batches);
        var calls = new Task<RedisResult>[keys.Length];
        for (int b = 0; b < keys.Length; b++) calls[b] = _redis.ScriptEvaluateAsync(ClaimScripts.Claim, keys[b], _claimArgs);
        await Task.WhenAll(calls).WaitAsync(ct);

        var heldElsewhere = new Dictionary<(Guid Node, ulong Seq), string>();
        for (int b = 0; b < keys.Length; b++)
        {
            var held = (RedisResult[])(await calls[b])!;
            for (int i = 0; i + 1 < held.Length; i += 2)
            {
                heldElsewhere[batches[members[b][(int)held[i]]]] = (string)held[i + 1]!;
            }
        }
        return heldElsewhere;
    }

    /// <summary>
    /// True when a flush's two inserts, started now, end at the latest one ClickHouse request timeout before the claims
    /// taken at <paramref name="claimedAt"/> (a <see cref="TimeProvider.GetTimestamp"/> read before the claim round) lapse.
    /// </summary>
    public bool LeavesTimeForInserts(long claimedAt) => _time.GetElapsedTime(claimedAt) + (3 * _requestTimeout) <= Lease;

    /// <summary>Gives up this instance's claims on <paramref name="batches"/> once they are stored, so the keys do not wait for their lease.</summary>
    public async Task ReleaseAsync(IReadOnlyList<(Guid Node, ulong Seq)> batches, CancellationToken ct)
    {
        (_, RedisKey[][] keys) = ByBucket(batches);
        var calls = new Task<RedisResult>[keys.Length];
        for (int b = 0; b < keys.Length; b++) calls[b] = _redis.ScriptEvaluateAsync(ClaimScripts.Release, keys[b], _releaseArgs);
        await Task.WhenAll(calls).WaitAsync(ct);
    }

    /// <summary>The claim keys grouped by bucket (one Cluster slot each), with the index in <paramref name="batches"/> of each key.</summary>
    private (List<int>[] Members, RedisKey[][] Keys) ByBucket(IReadOnlyList<(Guid Node, ulong Seq)> batches)
    {
        var byBucket = new Dictionary<int, List<int>>();
        for (int i = 0; i < batches.Count; i++)
        {
            int bucket = Buckets.Of(batches[i].Node, _bucketCount);
            if (!byBucket.TryGetValue(bucket, out List<int>? list)) byBucket[bucket] = list = [];
            list.Add(i);
        }
        var members = new List<int>[byBucket.Count];
        var keys = new RedisKey[byBucket.Count][];
        int b = 0;
        foreach (List<int> list in byBucket.Values)
        {
            members[b] = list;
            keys[b] = new RedisKey[list.Count];
            for (int k = 0; k < list.Count; k++)
            {
                (Guid node, ulong seq) = batches[list[k]];
                keys[b][k] = RedisKeys.BatchClaim(node, seq, _bucketCount);
            }
            b++;
        }
        return (members, keys);
    }
}
