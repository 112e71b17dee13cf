using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>One request's batch waiting for, then inside, a round of <see cref="UsageApplier"/>. Only the round writes to it.</summary>
internal sealed class QueuedBatch(BatchContext batch, Guid node, long nowMs)
{
    public BatchContext Batch { get; } = batch;

    /// <summary>The node's id as its dedup keys end (32 hex digits): made once per batch, not per bucket call.</summary>
    public RedisKey NodeId { get; } = HexId(node);

    public long NowMs { get; } = nowMs;

    /// <summary>Bucket calls that carried a portion of this batch, and how many of them found it applied before.</summary>
    public int Portions { get; set; }

    public int Duplicates { get; set; }

    public Exception? Error { get; set; }

    public TaskCompletionSource<UsageOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static byte[] HexId(Guid id)
    {
        var hex = new byte[RedisKeys.IdChars];
        RedisKeys.WriteId(id, hex);
        return hex;
    }
}
