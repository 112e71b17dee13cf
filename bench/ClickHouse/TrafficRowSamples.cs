using Vpn.Perf.Ingest.ClickHouse;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// Realistic traffic rows: UUIDv7 ids for ~5,000 subscriptions over 40 nodes with 3 inbounds each, 60 s intervals,
/// byte counts spread over six orders of magnitude, seq per node, received a few seconds after the interval.
/// </summary>
internal static class TrafficRowSamples
{
    public static TrafficRow[] Create(int count, int seed)
    {
        var random = new Random(seed);
        var subscriptions = new Guid[5_000];
        for (int i = 0; i < subscriptions.Length; i++) subscriptions[i] = Guid.CreateVersion7(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i));
        var nodes = new Guid[40];
        var inbounds = new Guid[nodes.Length * 3];
        for (int i = 0; i < nodes.Length; i++) nodes[i] = Guid.CreateVersion7();
        for (int i = 0; i < inbounds.Length; i++) inbounds[i] = Guid.CreateVersion7();
        long start = 1_709_251_200;
        var rows = new TrafficRow[count];
        for (int i = 0; i < count; i++)
        {
            int node = random.Next(nodes.Length);
            long intervalStart = start + (i / 250 * 60);
            rows[i] = new TrafficRow(
                intervalStart, 60,
                subscriptions[random.Next(subscriptions.Length)],
                inbounds[(node * 3) + random.Next(3)],
                nodes[node],
                (ulong)(1 + (i / 250)),
                (ulong)Math.Pow(10, random.NextDouble() * 6),
                (ulong)Math.Pow(10, random.NextDouble() * 8),
                intervalStart + 60 + random.Next(5));
        }
        return rows;
    }
}
