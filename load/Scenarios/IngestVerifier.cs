using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>One comparison of <c>--verify</c>.</summary>
internal sealed record VerifyCheck(string Name, string Expected, string Actual, bool Pass, string Detail);

/// <summary>The verdict of <c>--verify</c>.</summary>
internal sealed record VerifyResult(bool Pass, bool Conclusive, IReadOnlyList<VerifyCheck> Checks, double FlushWaitSeconds)
{
    public string Verdict => Pass ? "PASS" : Conclusive ? "FAIL" : "INCONCLUSIVE";
}

/// <summary>
/// Speed that loses data does not count: after the run, waits (bounded) until Ingest's ClickHouse sink has emptied
/// the spool, then checks that Redis and ClickHouse hold exactly what Ingest acknowledged to this fleet, byte for
/// byte: every subscription's usage counter, and the traffic rows' count, byte sums and distinct batches of the
/// fleet's node ids, plus the access_log rows. With several Ingest instances, every one's spool must be empty.
/// </summary>
internal sealed class IngestVerifier(Fleet fleet, IDatabase redis, ClickHouseClient clickHouse, HttpClient control, Uri[] metricsUrls, int bucketCount)
{
    // A large backlog (e.g. after --clickhouse-later) takes minutes to insert on a busy machine: wait as long as the
    // backlog keeps shrinking, give up after StallLimit without progress, and never beyond FlushLimit in all.
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FlushLimit = TimeSpan.FromMinutes(15);

    public async Task<VerifyResult> VerifyAsync(CancellationToken ct)
    {
        SentTotals sent = fleet.Totals();
        long started = Stopwatch.GetTimestamp();
        await WaitForFlushAsync(sent, ct);
        double waited = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var checks = new List<VerifyCheck>();
        checks.Add(await CheckRedisAsync(sent));
        checks.AddRange(await CheckClickHouseAsync(sent, ct));
        bool pass = checks.TrueForAll(static c => c.Pass);
        // A batch that was never acknowledged may still have landed: then a mismatch proves nothing.
        bool conclusive = sent.AmbiguousBatches == 0;
        if (!conclusive)
        {
            checks.Add(new VerifyCheck("unacknowledged batches", "0", sent.AmbiguousBatches.ToString(CultureInfo.InvariantCulture), false,
                "retries exhausted or cut off by the hard stop: they may or may not have landed"));
        }
        return new VerifyResult(pass && conclusive, conclusive, checks, waited);
    }

    /// <summary>Polls Ingest's spool backlog while it shrinks, then ClickHouse's row count; bounded (see the limits above).</summary>
    private async Task WaitForFlushAsync(SentTotals sent, CancellationToken ct)
    {
        long deadline = Stopwatch.GetTimestamp() + RunWindow.Ticks(FlushLimit);
        long stallDeadline = Stopwatch.GetTimestamp() + RunWindow.Ticks(StallLimit);
        double lowest = double.MaxValue;
        while (Stopwatch.GetTimestamp() < Math.Min(deadline, stallDeadline))
        {
            double? backlog = await BacklogAsync(ct);
            if (backlog == 0) break;
            if (backlog < lowest)
            {
                lowest = backlog.Value;
                stallDeadline = Stopwatch.GetTimestamp() + RunWindow.Ticks(StallLimit);
            }
            await Task.Delay(500, ct);
        }
        deadline = Math.Min(deadline, Stopwatch.GetTimestamp() + RunWindow.Ticks(StallLimit));
        while (Stopwatch.GetTimestamp() < deadline)
        {
            (long rows, _, _, _) = await QueryTrafficAsync(ct);
            if (rows >= sent.Reports) return;
            await Task.Delay(500, ct);
        }
    }

    /// <summary>The spool backlog of every instance together; null while one of them does not answer.</summary>
    private async Task<double?> BacklogAsync(CancellationToken ct)
    {
        double sum = 0;
        foreach (Uri url in metricsUrls)
        {
            ServerMetrics m = await ServerMetrics.ScrapeAsync(control, url, ct);
            if (m.IsEmpty) return null;
            sum += m.SpoolBacklogBytes;
        }
        return sum;
    }

    private async Task<VerifyCheck> CheckRedisAsync(SentTotals sent)
    {
        Guid[] subs = fleet.Subscriptions;
        long expectedSum = 0, actualSum = 0;
        int mismatched = 0;
        string firstMismatch = "";
        // One GET per subscription (their keys lie in different buckets, so no MGET in a cluster), pipelined in chunks
        // so the tasks in flight stay bounded.
        const int Chunk = 2048;
        var pending = new Task<RedisValue>[Math.Min(Chunk, subs.Length)];
        for (int from = 0; from < subs.Length; from += Chunk)
        {
            int n = Math.Min(Chunk, subs.Length - from);
            for (int i = 0; i < n; i++)
            {
                Guid sid = subs[from + i];
                // No reset period was published for these subscriptions, so their usage sits in period 0.
                pending[i] = redis.StringGetAsync(RedisKeys.Usage(sid, 0, bucketCount));
            }
            for (int i = 0; i < n; i++)
            {
                RedisValue reply = await pending[i];
                long actual = reply.IsNull ? 0 : (long)reply;
                long expected = sent.PerSubscription[from + i];
                expectedSum += expected;
                actualSum += actual;
                if (actual != expected)
                {
                    if (mismatched++ == 0) firstMismatch = $"first: {subs[from + i]:N} expected {expected}, got {actual}";
                }
            }
        }
        return new VerifyCheck($"Redis usage of {subs.Length} subscriptions (sum, per-subscription mismatches)",
            expectedSum.ToString(CultureInfo.InvariantCulture), actualSum.ToString(CultureInfo.InvariantCulture),
            mismatched == 0 && expectedSum == actualSum,
            mismatched == 0 ? "every subscription matches" : $"{mismatched} subscriptions differ by {actualSum - expectedSum} bytes in all; {firstMismatch}");
    }

    private async Task<List<VerifyCheck>> CheckClickHouseAsync(SentTotals sent, CancellationToken ct)
    {
        (long rows, ulong up, ulong down, long batches) = await QueryTrafficAsync(ct);
        long access = await QueryAccessAsync(ct);
        return
        [
            Compare("ClickHouse traffic rows", sent.Reports, rows),
            Compare("ClickHouse traffic sum(bytes_up)", sent.BytesUp, up),
            Compare("ClickHouse traffic sum(bytes_down)", sent.BytesDown, down),
            Compare("ClickHouse traffic distinct (node_id, seq)", sent.Reports > 0 ? sent.Batches : 0, batches), // access-only runs send no traffic rows
            Compare("ClickHouse access_log rows", sent.AccessEvents, access),
        ];
    }

    private static VerifyCheck Compare<T>(string name, T expected, T actual) where T : struct, IEquatable<T>, IFormattable
    {
        bool pass = expected.Equals(actual);
        string e = expected.ToString(null, CultureInfo.InvariantCulture), a = actual.ToString(null, CultureInfo.InvariantCulture);
        string detail = pass ? "" : $"diff {decimal.Parse(a, CultureInfo.InvariantCulture) - decimal.Parse(e, CultureInfo.InvariantCulture)}";
        return new VerifyCheck(name, e, a, pass, detail);
    }

    private async Task<(long Rows, ulong Up, ulong Down, long Batches)> QueryTrafficAsync(CancellationToken ct)
    {
        List<string[]> r = await clickHouse.QueryRowsAsync(
            "SELECT count(), sum(bytes_up), sum(bytes_down), uniqExact(node_id, seq) FROM traffic WHERE node_id IN {nodes}", NodeList(), ct);
        string[] row = r[0];
        var c = CultureInfo.InvariantCulture;
        return (long.Parse(row[0], c), ulong.Parse(row[1], c), ulong.Parse(row[2], c), long.Parse(row[3], c));
    }

    private async Task<long> QueryAccessAsync(CancellationToken ct)
    {
        List<string[]> r = await clickHouse.QueryRowsAsync("SELECT count() FROM access_log WHERE node_id IN {nodes}", NodeList(), ct);
        return long.Parse(r[0][0], CultureInfo.InvariantCulture);
    }

    private ClickHouseParameters NodeList()
    {
        var ids = new Guid[fleet.Nodes.Length];
        for (int i = 0; i < ids.Length; i++) ids[i] = fleet.Nodes[i].Id;
        return new ClickHouseParameters().AddInList("nodes", ids);
    }
}
