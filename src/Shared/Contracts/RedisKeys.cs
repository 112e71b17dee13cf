using System.Buffers;
using System.Buffers.Text;
using System.Globalization;

namespace Vpn.Perf.Shared.Contracts;

/// <summary>
/// The Redis key layout shared by Ingest (writes usage) and Api (publishes state, reads usage). Per-bucket keys
/// carry the hash tag <c>{b&lt;n&gt;}</c> (see <see cref="Buckets"/>), so a script touching one bucket stays in
/// one Cluster slot. Ids are written as 32 lowercase hex digits (<c>Guid</c> "N" format).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>{bN}:sub:&lt;sid&gt;</c></term><description>hash, the subscription's state (see <see cref="SubscriptionState"/>), written by the Api; its <c>scope</c> field names the scope Ingest checks each report against.</description></item>
/// <item><term><c>scope:&lt;id&gt;</c></term><description>string, a scope's links (<see cref="SubscriptionScope"/>), content-addressed: the value under an id never changes. Written by the Api before any hash names it, with a time to live of <see cref="ScopeRetention"/> that the Api's reconciler renews for every scope still named, so a scope nobody uses any more goes by itself.</description></item>
/// <item><term><c>{bN}:u:&lt;sid&gt;:&lt;period start ms&gt;</c></term><description>integer, bytes used (up + down) in that period; a new period is a new key, so usage resets by itself at each boundary. One key per subscription and period rather than fields of a bucket hash: a hash small enough to be a listpack costs a linear scan per increment.</description></item>
/// <item><term><c>{bN}:seq:&lt;node&gt;</c></term><description>the highest batch seq of that node applied to this bucket (dedup); a key per node, not a hash, so a lookup never scans a listpack.</description></item>
/// <item><term><c>{bN}:claim:&lt;node&gt;:&lt;seq&gt;</c></term><description>string, the id of the Ingest spool whose sink claimed that batch for its ClickHouse insert, with a lease (time to live); N is the node's bucket, so one script call claims all of a flush's batches of a bucket. Written and read by Ingest only (docs/ingest.md).</description></item>
/// <item><term><c>{bN}:events</c></term><description>stream of over-limit events for the Api.</description></item>
/// <item><term><c>nodetoken:&lt;sha256 hex&gt;</c></term><description>hash <c>node_id</c>, <c>token_id</c>: a live node token, by the SHA-256 of its key; deleted on revocation.</description></item>
/// <item><term><c>nodes:last_seen</c></term><description>hash, node → unix ms of its last accepted batch.</description></item>
/// <item><term><c>nodes:rejections</c></term><description>stream, <c>node</c>, <c>hour</c> (unix ms of the UTC hour), <c>rejected</c>, <c>at</c>: at most one per node and hour that had reports rejected, for the Api's audit log.</description></item>
/// <item><term><c>nodes:rejected:&lt;node&gt;:&lt;hour ms&gt;</c></term><description>marker (expires after two hours): that hour's notice for the node was claimed by an Ingest instance.</description></item>
/// <item><term><c>state:changes</c></term><description>stream, <c>kind</c> (sub|token) and <c>id</c> of each change, so caches invalidate at once.</description></item>
/// </list>
/// </remarks>
public static class RedisKeys
{
    public const string NodeLastSeen = "nodes:last_seen";
    public const string StateChanges = "state:changes";
    public const string NodeTokenPrefix = "nodetoken:";
    public const string NodeRejections = "nodes:rejections";

    /// <summary>The marker that claims a node's rejection notice for the UTC hour starting at <paramref name="hourStartMs"/>.</summary>
    public static string RejectionMarker(Guid nodeId, long hourStartMs)
        => string.Create(CultureInfo.InvariantCulture, $"nodes:rejected:{nodeId:N}:{hourStartMs}");

    /// <summary>How long a scope key outlives the last time the Api wrote or renewed it.</summary>
    public static readonly TimeSpan ScopeRetention = TimeSpan.FromDays(7);

    public static string Scope(string scopeId) => "scope:" + scopeId;

    /// <summary>Length of an id in keys and fields: 32 hex digits.</summary>
    public const int IdChars = 32;

    public static string SubscriptionState(Guid subscriptionId, int bucketCount)
        => string.Create(CultureInfo.InvariantCulture, $"{{b{Buckets.Of(subscriptionId, bucketCount)}}}:sub:{subscriptionId:N}");

    /// <summary>The usage counter of a subscription in the period that starts at <paramref name="periodStartMs"/> (0 = never resets).</summary>
    public static string Usage(Guid subscriptionId, long periodStartMs, int bucketCount)
        => UsageInBucket(Buckets.Of(subscriptionId, bucketCount), subscriptionId, periodStartMs);

    /// <summary>As <see cref="Usage"/>, for a caller that knows the subscription's bucket.</summary>
    public static string UsageInBucket(int bucket, Guid subscriptionId, long periodStartMs)
        => string.Create(CultureInfo.InvariantCulture, $"{UsagePrefix(bucket)}{subscriptionId:N}:{periodStartMs}");

    /// <summary>What every usage key of a bucket starts with: <c>{bN}:u:</c>.</summary>
    public static string UsagePrefix(int bucket) => string.Create(CultureInfo.InvariantCulture, $"{{b{bucket}}}:u:");

    /// <summary>What the dedup keys of a bucket start with: <c>{bN}:seq:</c>, then the node id.</summary>
    public static string SeqPrefix(int bucket) => string.Create(CultureInfo.InvariantCulture, $"{{b{bucket}}}:seq:");

    /// <summary>The claim on inserting batch <paramref name="seq"/> of <paramref name="nodeId"/> into ClickHouse (in the node's bucket).</summary>
    public static string BatchClaim(Guid nodeId, ulong seq, int bucketCount)
        => string.Create(CultureInfo.InvariantCulture, $"{{b{Buckets.Of(nodeId, bucketCount)}}}:claim:{nodeId:N}:{seq}");

    public static string Events(int bucket) => string.Create(CultureInfo.InvariantCulture, $"{{b{bucket}}}:events");

    public static string NodeToken(ReadOnlySpan<byte> keySha256) => NodeTokenPrefix + Convert.ToHexStringLower(keySha256);

    /// <summary>Writes <paramref name="id"/> as 32 lowercase hex digits (no allocation, for hot paths).</summary>
    public static void WriteId(Guid id, Span<byte> destination)
    {
        // 'N' = 32 digits without hyphens; the destination is sized by the caller to IdChars.
        Utf8Formatter.TryFormat(id, destination, out _, new StandardFormat('N'));
    }
}
