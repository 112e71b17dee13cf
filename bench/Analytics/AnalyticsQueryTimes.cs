using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Vpn.Perf.Api.Features.Analytics;
using Vpn.Perf.Api.Features.Usage;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Benchmarks.Analytics;

/// <summary>
/// Not a BenchmarkDotNet suite: times every operator analytics query (the Api's own statements, bound by
/// <see cref="AnalyticsStore"/>) on a realistic volume. Creates a separate database (dropped and re-created; schema/clickhouse applied),
/// inserts traffic rows in 100k-row RowBinary inserts (default 10 M rows over the 30 days before 2026-11-01, 20 000
/// subscriptions, 32 nodes with 2 inbounds each, one row per report), waits until ClickHouse has no merge running in it
/// (the rollups filled by their views in the same inserts, parts merged as they would be in service, no OPTIMIZE), then
/// runs each query once to warm up and nine times measured. It reports ClickHouse's own figures from the
/// <c>statistics</c> of <c>FORMAT JSONCompact</c> (elapsed, rows and bytes read: 18.16 sends no <c>X-ClickHouse-Summary</c>
/// header, and the test servers keep no <c>system.query_log</c>) and the client's round trip.
/// <c>dotnet run -c Release --project bench -- analytics-queries [server connection string] [database] [rows] [--keep] [--queries-only]</c>
/// (defaults: <c>ConnectionStrings__ClickHouse</c>, <c>vpnperf_analytics_bench</c>, 10000000; the database is dropped at
/// the end unless <c>--keep</c>; <c>--queries-only</c> times the queries again on a database kept by an earlier run).
/// </summary>
internal static class AnalyticsQueryTimes
{
    private const int InsertRows = 100_000;
    private const int Subscriptions = 20_000;
    private const int Nodes = 32;
    private const int InboundsPerNode = 2;
    private const int Runs = 9;

    /// <summary>The data ends here (exclusive) and starts 30 days before; queries ask for ranges ending here.</summary>
    private static readonly DateTimeOffset End = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        string[] positional = [.. args.Skip(1).Where(a => !a.StartsWith("--", StringComparison.Ordinal))];
        bool keep = args.Contains("--keep");
        bool queriesOnly = args.Contains("--queries-only");
        string cs = positional.Length > 0 ? positional[0] : Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") ?? "http://default@127.0.0.1:58123/vpnperf";
        string database = positional.Length > 1 ? positional[1] : "vpnperf_analytics_bench";
        long total = positional.Length > 2 ? long.Parse(positional[2], CultureInfo.InvariantCulture) : 10_000_000;
        ClickHouseIdentifiers.ThrowIfInvalid(database, nameof(args));

        ClickHouseOptions server = ClickHouseOptions.Parse(cs);
        using var admin = new ClickHouseClient(server with { Database = ClickHouseOptions.DefaultDatabase });
        using var client = new ClickHouseClient(server with { Database = database, RequestTimeout = TimeSpan.FromMinutes(5) });
        if (!queriesOnly)
        {
            await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + database, null, CancellationToken.None);
            await admin.ExecuteAsync("CREATE DATABASE " + database, null, CancellationToken.None);
        }
        try
        {
            if (!queriesOnly)
            {
                await ClickHouseSchema.ApplyAsync(client, SchemaDirectory(), CancellationToken.None);
                await InsertAsync(client, total);
            }
            await WaitForMergesAsync(admin, database);
            await QueryAllAsync(client);
        }
        finally
        {
            if (!keep) await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + database, null, CancellationToken.None);
        }
        return 0;
    }

    private static async Task InsertAsync(ClickHouseClient client, long total)
    {
        var random = new Random(13);
        var subscriptions = new Guid[Subscriptions];
        for (int i = 0; i < subscriptions.Length; i++) subscriptions[i] = Guid.CreateVersion7(End.AddDays(-400).AddSeconds(i));
        var nodes = new Guid[Nodes];
        var inbounds = new Guid[Nodes * InboundsPerNode];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = Guid.CreateVersion7();
        for (int i = 0; i < inbounds.Length; i++) inbounds[i] = Guid.CreateVersion7();
        var seqs = new ulong[Nodes];
        long start = End.AddDays(-30).ToUnixTimeSeconds();
        long span = End.ToUnixTimeSeconds() - start - 120;

        using var buffer = new PooledBufferWriter(InsertRows * TrafficTables.TrafficRowBytes);
        var clock = Stopwatch.StartNew();
        for (long done = 0; done < total;)
        {
            buffer.Reset();
            var writer = new RowBinaryWriter(buffer);
            int rows = (int)Math.Min(InsertRows, total - done);
            for (int i = 0; i < rows; i++)
            {
                // In time order, as the Ingest writes them; each insert is a few minutes of the fleet's reports.
                long intervalStart = start + (span * (done + i) / total);
                int node = random.Next(Nodes);
                if (i % 250 == 0) seqs[node]++;
                TrafficTables.WriteTraffic(ref writer, new TrafficRow(
                    intervalStart, 60,
                    subscriptions[random.Next(Subscriptions)],
                    inbounds[(node * InboundsPerNode) + random.Next(InboundsPerNode)],
                    nodes[node],
                    seqs[node],
                    (ulong)Math.Pow(10, random.NextDouble() * 6),
                    (ulong)Math.Pow(10, random.NextDouble() * 8),
                    intervalStart + 60 + random.Next(5)));
            }
            await client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None);
            done += rows;
            if (done % 1_000_000 == 0 || done == total)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inserted {done:N0} rows in {clock.Elapsed.TotalSeconds:F0} s"));
        }
    }

    private static async Task WaitForMergesAsync(ClickHouseClient admin, string database)
    {
        var parameters = new ClickHouseParameters().Add("db", database);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            string running = await admin.QueryTextAsync("SELECT count() FROM system.merges WHERE database = {db}", parameters, CancellationToken.None);
            if (running.Trim() == "0") break;
            await Task.Delay(2000);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"merges settled after {clock.Elapsed.TotalSeconds:F0} s; rows and active parts per table:"));
        string parts = await admin.QueryTextAsync(
            "SELECT table, sum(rows), count() FROM system.parts WHERE database = {db} AND active GROUP BY table ORDER BY table",
            new ClickHouseParameters().Add("db", database), CancellationToken.None);
        Console.Write(parts);
    }

    private static async Task QueryAllAsync(ClickHouseClient client)
    {
        DateTimeOffset from = End.AddDays(-30);
        var hours = new UsageRange(from, End, UsageStep.Hour);
        var breakdownHours = new UsageRange(End.AddHours(-AnalyticsValidation.MaxBreakdownPoints), End, UsageStep.Hour);
        var days = new UsageRange(from, End, UsageStep.Day);
        (string Name, (string Sql, ClickHouseParameters Parameters) Statement)[] queries =
        [
            ("usage, hour steps, 30 days", AnalyticsStore.TotalStatement(hours)),
            ("usage, day steps, 30 days", AnalyticsStore.TotalStatement(days)),
            ("usage/nodes, hour steps, 200 hours (the most)", AnalyticsStore.BreakdownStatement(breakdownHours, byInbound: false)),
            ("usage/nodes, day steps, 30 days", AnalyticsStore.BreakdownStatement(days, byInbound: false)),
            ("usage/inbounds, hour steps, 200 hours (the most)", AnalyticsStore.BreakdownStatement(breakdownHours, byInbound: true)),
            ("usage/inbounds, day steps, 30 days", AnalyticsStore.BreakdownStatement(days, byInbound: true)),
            ("subscriptions/top 10, 30 days", AnalyticsStore.TopStatement(days, 10)),
            ("subscriptions/top 100, 1 day", AnalyticsStore.TopStatement(new UsageRange(End.AddDays(-1), End, UsageStep.Day), 100)),
            ("nodes status, last 5 minutes", AnalyticsStore.NodeTrafficStatement(End.AddMinutes(-5), End)),
            ("nodes status, last 60 minutes", AnalyticsStore.NodeTrafficStatement(End.AddMinutes(-60), End)),
        ];
        // The machine is shared: the load beside the figures says how much of the spread is other work.
        if (File.Exists("/proc/loadavg")) Console.WriteLine("load average (1, 5, 15 min): " + string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| query | ClickHouse elapsed: min / median / max of {Runs} | rows read | bytes read | result rows | round trip, median |"));
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach ((string name, (string sql, ClickHouseParameters parameters)) in queries)
        {
            // JSONCompact: ClickHouse's own statistics at the end, and rows about as large as the Api's TabSeparated ones.
            await client.QueryTextAsync(sql + "\nFORMAT JSONCompact", parameters, CancellationToken.None); // warm-up
            var elapsed = new double[Runs];
            var roundTrip = new double[Runs];
            long rowsRead = 0, bytesRead = 0, resultRows = 0;
            for (int run = 0; run < Runs; run++)
            {
                long started = Stopwatch.GetTimestamp();
                string json = await client.QueryTextAsync(sql + "\nFORMAT JSONCompact", parameters, CancellationToken.None);
                roundTrip[run] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                using JsonDocument doc = JsonDocument.Parse(json);
                JsonElement statistics = doc.RootElement.GetProperty("statistics");
                elapsed[run] = statistics.GetProperty("elapsed").GetDouble() * 1000;
                rowsRead = statistics.GetProperty("rows_read").GetInt64();
                bytesRead = statistics.GetProperty("bytes_read").GetInt64();
                resultRows = doc.RootElement.GetProperty("rows").GetInt64();
            }
            Array.Sort(elapsed);
            Array.Sort(roundTrip);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {elapsed[0]:F1} / {elapsed[Runs / 2]:F1} / {elapsed[^1]:F1} ms | {rowsRead:N0} | {bytesRead:N0} | {resultRows:N0} | {roundTrip[Runs / 2]:F1} ms |"));
        }
    }

    private static string SchemaDirectory()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Vpn.Perf.sln"))) dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new InvalidOperationException("Repository root not found above the bench binaries."), "schema", "clickhouse");
    }
}
