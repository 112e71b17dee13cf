using System.Diagnostics;
using System.Globalization;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// Not a BenchmarkDotNet suite: measures insert throughput into <c>traffic</c> (with its views) of 100k-row RowBinary
/// bodies through <see cref="ClickHouseClient"/>, and writes the same body to a file for a curl comparison.
/// <c>dotnet run -c Release --project bench -- ch-insert [connection string] [inserts] [rows.bin path]</c>
/// (the database must exist and have schema/clickhouse/ applied).
/// </summary>
internal static class InsertThroughput
{
    public static async Task<int> RunAsync(string[] args)
    {
        string cs = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") ?? "http://default@127.0.0.1:58123/vpnperf";
        int inserts = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;
        string file = args.Length > 3 ? args[3] : "rows.bin";
        const int Rows = 100_000;

        TrafficRow[] rows = TrafficRowSamples.Create(Rows, seed: 2);
        using var buffer = new PooledBufferWriter(Rows * TrafficTables.TrafficRowBytes);
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        await File.WriteAllBytesAsync(file, buffer.WrittenMemory.ToArray());

        using var client = new ClickHouseClient(ClickHouseOptions.Parse(cs));
        await TrafficTables.VerifyAsync(client, CancellationToken.None);
        await client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None); // warm-up
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < inserts; i++)
            await client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None);
        clock.Stop();
        double rowsPerSecond = (double)Rows * inserts / clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"client: {inserts} inserts x {Rows} rows ({buffer.WrittenCount} bytes each) in {clock.Elapsed.TotalSeconds:F2} s = {rowsPerSecond:F0} rows/s"));
        Console.WriteLine($"body written to {Path.GetFullPath(file)}; insert query: INSERT INTO traffic ({TrafficTables.TrafficColumnList}) FORMAT RowBinary");
        return 0;
    }
}
