using System.Globalization;
using System.Text;

namespace Vpn.Perf.Ingest.Metrics;

/// <summary>
/// Process-wide counters, exposed at <c>GET /metrics</c> in the Prometheus text format. Updates are one
/// <see cref="Interlocked"/> add each, so the hot path pays no lock and no allocation.
/// </summary>
internal sealed class IngestMetrics
{
    // Latency buckets (seconds) chosen around the group-commit fsync cost: sub-millisecond to a few seconds.
    private static readonly double[] LatencyBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    private static readonly int[] StatusCodes = [200, 400, 401, 404, 405, 411, 413, 415, 429, 499, 500, 503];

    private readonly long[] _requestsByStatus = new long[StatusCodes.Length + 1];
    private readonly long[] _latencyBuckets = new long[LatencyBounds.Length + 1];
    private long _latencySumMicros;
    private long _reports;
    private long _accessEvents;
    private long _bodyBytes;
    private long _duplicates;
    private long _cutoffs;
    private long _redisFailures;
    private long _rejectedScope;
    private long _rejectedBounds;
    private long _rejectedOverflow;
    private long _clickHouseRows;
    private long _clickHouseInserts;
    private long _clickHouseFailures;
    private long _clickHouseSkippedBatches;
    private long _claimWaits;
    private long _claimFailures;

    /// <summary>The spool whose gauges are rendered (set once at start-up).</summary>
    public Spool.DurableSpool? Spool { get; set; }

    public void RequestCompleted(int status, long elapsedTicks)
    {
        int i = Array.IndexOf(StatusCodes, status);
        Interlocked.Increment(ref _requestsByStatus[i < 0 ? StatusCodes.Length : i]);
        double seconds = (double)elapsedTicks / System.Diagnostics.Stopwatch.Frequency;
        int b = 0;
        while (b < LatencyBounds.Length && seconds > LatencyBounds[b]) b++;
        Interlocked.Increment(ref _latencyBuckets[b]);
        Interlocked.Add(ref _latencySumMicros, (long)(seconds * 1_000_000));
    }

    public void Accepted(int reports, int accessEvents, long bodyBytes, bool duplicate, int cutoffs)
    {
        Interlocked.Add(ref _reports, reports);
        Interlocked.Add(ref _accessEvents, accessEvents);
        Interlocked.Add(ref _bodyBytes, bodyBytes);
        if (duplicate) Interlocked.Increment(ref _duplicates);
        if (cutoffs > 0) Interlocked.Add(ref _cutoffs, cutoffs);
    }

    public void RedisFailed() => Interlocked.Increment(ref _redisFailures);

    /// <summary>Items of accepted batches that were not counted: out of the node's scope (reports and access events),
    /// out of bounds, or overflowing a counter.</summary>
    public void Rejected(int outOfScope, int outOfBounds, int overflow)
    {
        if (outOfScope > 0) Interlocked.Add(ref _rejectedScope, outOfScope);
        if (outOfBounds > 0) Interlocked.Add(ref _rejectedBounds, outOfBounds);
        if (overflow > 0) Interlocked.Add(ref _rejectedOverflow, overflow);
    }

    public void ClickHouseInserted(long rows)
    {
        Interlocked.Add(ref _clickHouseRows, rows);
        Interlocked.Increment(ref _clickHouseInserts);
    }

    public void ClickHouseFailed() => Interlocked.Increment(ref _clickHouseFailures);

    public void ClickHouseSkippedLanded(int batches) => Interlocked.Add(ref _clickHouseSkippedBatches, batches);

    /// <summary>A flush round found batches another instance claimed and had not stored yet, and waited.</summary>
    public void ClaimWaited() => Interlocked.Increment(ref _claimWaits);

    /// <summary>A flush could not take its claims because Redis failed, and was retried.</summary>
    public void ClaimFailed() => Interlocked.Increment(ref _claimFailures);

    public long ClickHouseRows => Volatile.Read(ref _clickHouseRows);

    /// <summary>Renders the Prometheus text exposition (per scrape, so allocation is fine here).</summary>
    public string Render()
    {
        var sb = new StringBuilder(2048);
        var c = CultureInfo.InvariantCulture;
        sb.Append("# HELP vpnperf_ingest_requests_total Report requests by response status.\n# TYPE vpnperf_ingest_requests_total counter\n");
        for (int i = 0; i < StatusCodes.Length; i++)
        {
            sb.Append(c, $"vpnperf_ingest_requests_total{{status=\"{StatusCodes[i]}\"}} {Volatile.Read(ref _requestsByStatus[i])}\n");
        }
        sb.Append(c, $"vpnperf_ingest_requests_total{{status=\"other\"}} {Volatile.Read(ref _requestsByStatus[StatusCodes.Length])}\n");

        sb.Append("# HELP vpnperf_ingest_request_seconds Report request latency.\n# TYPE vpnperf_ingest_request_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < LatencyBounds.Length; i++)
        {
            cumulative += Volatile.Read(ref _latencyBuckets[i]);
            sb.Append(c, $"vpnperf_ingest_request_seconds_bucket{{le=\"{LatencyBounds[i]}\"}} {cumulative}\n");
        }
        cumulative += Volatile.Read(ref _latencyBuckets[LatencyBounds.Length]);
        sb.Append(c, $"vpnperf_ingest_request_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n");
        sb.Append(c, $"vpnperf_ingest_request_seconds_sum {Volatile.Read(ref _latencySumMicros) / 1e6}\n");
        sb.Append(c, $"vpnperf_ingest_request_seconds_count {cumulative}\n");

        Counter(sb, "vpnperf_ingest_reports_total", "Traffic reports accepted.", _reports);
        Counter(sb, "vpnperf_ingest_access_events_total", "Access events accepted.", _accessEvents);
        Counter(sb, "vpnperf_ingest_body_bytes_total", "Decoded batch bytes accepted.", _bodyBytes);
        Counter(sb, "vpnperf_ingest_duplicate_batches_total", "Batches answered as duplicates (a node's retry).", _duplicates);
        Counter(sb, "vpnperf_ingest_cutoffs_total", "Subscriptions returned in cutoff lists.", _cutoffs);
        sb.Append("# HELP vpnperf_ingest_rejected_total Reports and access events of accepted batches not counted, by reason.\n# TYPE vpnperf_ingest_rejected_total counter\n");
        sb.Append(c, $"vpnperf_ingest_rejected_total{{reason=\"scope\"}} {Volatile.Read(ref _rejectedScope)}\n");
        sb.Append(c, $"vpnperf_ingest_rejected_total{{reason=\"bounds\"}} {Volatile.Read(ref _rejectedBounds)}\n");
        sb.Append(c, $"vpnperf_ingest_rejected_total{{reason=\"overflow\"}} {Volatile.Read(ref _rejectedOverflow)}\n");
        Counter(sb, "vpnperf_ingest_redis_failures_total", "Batches refused because Redis failed.", _redisFailures);
        Counter(sb, "vpnperf_ingest_clickhouse_rows_total", "Rows inserted into ClickHouse.", _clickHouseRows);
        Counter(sb, "vpnperf_ingest_clickhouse_inserts_total", "ClickHouse insert requests that succeeded.", _clickHouseInserts);
        Counter(sb, "vpnperf_ingest_clickhouse_failures_total", "ClickHouse flushes that failed and were retried.", _clickHouseFailures);
        Counter(sb, "vpnperf_ingest_clickhouse_replayed_batches_skipped_total", "Spooled batches skipped because ClickHouse already had them.", _clickHouseSkippedBatches);
        Counter(sb, "vpnperf_ingest_clickhouse_claim_waits_total", "Flush rounds that waited for batches another Ingest instance claimed and had not stored yet.", _claimWaits);
        Counter(sb, "vpnperf_ingest_clickhouse_claim_failures_total", "Flushes retried because Redis failed while claiming their batches.", _claimFailures);
        sb.Append("# HELP vpnperf_ingest_spool_backlog_bytes Spooled bytes not yet in ClickHouse.\n# TYPE vpnperf_ingest_spool_backlog_bytes gauge\n");
        sb.Append(c, $"vpnperf_ingest_spool_backlog_bytes {Spool?.BacklogBytes ?? 0}\n");
        sb.Append("# HELP vpnperf_ingest_spool_segments Spool segment files on disk.\n# TYPE vpnperf_ingest_spool_segments gauge\n");
        sb.Append(c, $"vpnperf_ingest_spool_segments {Spool?.SegmentCount ?? 0}\n");
        sb.Append("# HELP vpnperf_ingest_spool_last_fsync_seconds Duration of the spool's latest group-commit fsync.\n# TYPE vpnperf_ingest_spool_last_fsync_seconds gauge\n");
        sb.Append(c, $"vpnperf_ingest_spool_last_fsync_seconds {(Spool?.LastSyncMicroseconds ?? 0) / 1e6}\n");
        sb.Append("# HELP vpnperf_ingest_spool_faulted 1 once a spool write or fsync failed: appends are refused until restart.\n# TYPE vpnperf_ingest_spool_faulted gauge\n");
        sb.Append(c, $"vpnperf_ingest_spool_faulted {(Spool?.IsFaulted == true ? 1 : 0)}\n");
        sb.Append("# HELP process_working_set_bytes Resident set size.\n# TYPE process_working_set_bytes gauge\n");
        sb.Append(c, $"process_working_set_bytes {Environment.WorkingSet}\n");
        return sb.ToString();
    }

    private static void Counter(StringBuilder sb, string name, string help, long value)
        => sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
}
