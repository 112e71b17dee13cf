using Microsoft.Extensions.ObjectPool;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// How Ingest's requests pool their <see cref="BatchContext"/>s. Hundreds of requests hold a context at once (each
/// across its spool fsync and Redis round), more arrays than <c>ArrayPool.Shared</c> keeps per size (32 a core), so
/// without this most requests rented new ones and dropped them after: the largest allocation on the HTTP path besides
/// the spool's record buffers (docs/perf.md).
/// </summary>
internal sealed class BatchContextPolicy : IPooledObjectPolicy<BatchContext>
{
    /// <summary>Contexts kept: as many requests as usually wait on one fsync and Redis round together.</summary>
    public const int MaximumRetained = 256;

    // Arrays up to this size stay with a pooled context: a batch of about 900 reports or 1 600 access events. So the
    // pool holds at most 256 × 2 × 64 KiB, and one huge batch does not pin its arrays for ever.
    private const int RetainedArrayBytes = 64 * 1024;

    public static ObjectPool<BatchContext> CreatePool() => new DefaultObjectPool<BatchContext>(new BatchContextPolicy(), MaximumRetained);

    public BatchContext Create() => new();

    public bool Return(BatchContext batch)
    {
        batch.Reset(RetainedArrayBytes);
        return true;
    }
}
