namespace Vpn.Perf.Shared;

/// <summary>
/// Hard bounds checked before any allocation or loop sized by untrusted input. Two kinds: Ingest's limits on one batch
/// (<see cref="MaxBatchBytes"/>, <see cref="MaxReportsPerBatch"/>, <see cref="MaxAccessPerBatch"/>), which reach the codec
/// from its caller as <see cref="Wire.TrafficReport.TrafficBatchLimits.Default"/>; and facts of the traffic batch format
/// (every other constant), which the codec checks itself because every writer and reader of version 1 relies on them.
/// </summary>
public static class Limits
{
    /// <summary>
    /// Ingest's largest decompressed traffic batch body, 8 MiB. A maximal legal batch (65 536 reports of at least 41
    /// bytes each, plus access events) fits well inside; anything larger is refused (413) before parsing. The parser also
    /// uses it as the bound on every array count and string length: an element takes at least one byte, so a count
    /// larger than the bytes a legal body can still hold is hostile whatever the buffered data says.
    /// </summary>
    public const int MaxBatchBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Ingest's most reports in one batch. A node sends one report per active subscription and inbound per interval;
    /// 65 536 covers a busy node at one batch per interval, and caps how much Redis work one request can cause.
    /// </summary>
    public const int MaxReportsPerBatch = 65_536;

    /// <summary>Ingest's most access events in one batch; bounds the ClickHouse access_log rows one request can add.</summary>
    public const int MaxAccessPerBatch = 65_536;

    /// <summary>
    /// Largest access event note in UTF-8 bytes, a format fact: small enough to copy into a stack buffer, and Ingest's
    /// ClickHouse encoder keeps one buffer of this size for notes.
    /// </summary>
    public const int MaxNoteBytes = 256;

    /// <summary>
    /// Deepest nesting the reader follows when it skips an unknown field (a future version's value), a format fact: later
    /// versions may append fields nested this deep and no deeper. Skipping recurses, so this bounds stack use against
    /// <c>[[[[...]]]]</c> bodies; version 1 itself never nests below depth 3.
    /// </summary>
    public const int MaxSkipDepth = 16;

    /// <summary>
    /// Largest <c>bytes_up</c> or <c>bytes_down</c> in one report, 2^50 (1 PiB): about 100 Gbit/s sustained for a whole
    /// <see cref="MaxIntervalSeconds"/> interval. Bounding it keeps up + down far from the int64 range Redis counters use
    /// (8192 maximal reports are needed to overflow one counter); the Redis script still relies on INCRBY refusing
    /// overflow rather than wrapping.
    /// </summary>
    public const ulong MaxBytesPerReport = 1UL << 50;

    /// <summary>Longest report interval, one day. Exporters report every few seconds to minutes.</summary>
    public const uint MaxIntervalSeconds = 86_400;

    /// <summary>
    /// Latest time a report may carry, in unix seconds: 2106-02-07, the end of ClickHouse's DateTime. Times are
    /// checked at the door so a batch that was acknowledged can always be stored; negative times are refused too.
    /// </summary>
    public const ulong MaxUnixSeconds = uint.MaxValue;
}
