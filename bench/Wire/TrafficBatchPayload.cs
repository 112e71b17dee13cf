using System.Buffers;
using System.Text;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Benchmarks.Wire;

/// <summary>
/// A deterministic, realistic batch: what one node sends per interval. 250 reports drawn from ~2000 subscriptions over
/// 4 inbounds; byte counts spread over 1 B .. 100 GB (log-uniform) so every integer width appears, as real traffic
/// makes it; a few access events, some with notes.
/// </summary>
internal sealed class TrafficBatchPayload
{
    public const int ReportCount = 250;
    private const int SubscriptionCount = 2000;
    private const int InboundCount = 4;
    private const int AccessCount = 8;
    /// <summary>The load suite's HTTP part: a node's access log alone, ~150 events.</summary>
    public const int AccessOnlyCount = 150;
    public const long IntervalStartSeconds = 1_763_776_940;

    private TrafficBatchPayload(BatchHeader header, TrafficReport[] reports, (AccessEvent Event, byte[]? Note)[] access)
    {
        Header = header;
        Reports = reports;
        Access = access;
    }

    public BatchHeader Header { get; }

    public TrafficReport[] Reports { get; }

    public (AccessEvent Event, byte[]? Note)[] Access { get; }

    public static TrafficBatchPayload Create(int seed = 42, int reportCount = ReportCount, int accessCount = AccessCount)
    {
        var random = new Random(seed);
        Guid[] subscriptions = new Guid[SubscriptionCount];
        for (int i = 0; i < subscriptions.Length; i++)
        {
            subscriptions[i] = NewUuidV7(random, 1_700_000_000_000 + (i * 86_400_000L));
        }

        Guid[] inbounds = new Guid[InboundCount];
        for (int i = 0; i < inbounds.Length; i++)
        {
            inbounds[i] = NewUuidV7(random, 1_690_000_000_000 + i);
        }

        var reports = new TrafficReport[reportCount];
        for (int i = 0; i < reports.Length; i++)
        {
            reports[i] = new TrafficReport(
                subscriptions[random.Next(subscriptions.Length)],
                inbounds[random.Next(inbounds.Length)],
                LogUniformBytes(random) / 8, // uploads are smaller than downloads
                LogUniformBytes(random),
                IntervalStartSeconds,
                60);
        }

        string?[] notes = [null, "tcp:443 www.example.com", null, "udp:443 quic", "dns", null, "tcp:22 ssh", "ws → cdn edge"];
        var access = new (AccessEvent, byte[]?)[accessCount];
        for (int i = 0; i < access.Length; i++)
        {
            access[i] = (
                new AccessEvent(
                    NewUuidV7(random, 1_763_776_999_000 + i),
                    1_763_776_999_000 + i,
                    subscriptions[random.Next(subscriptions.Length)],
                    inbounds[random.Next(inbounds.Length)],
                    LogUniformBytes(random),
                    LogUniformBytes(random)),
                notes[i % notes.Length] is { } note ? Encoding.UTF8.GetBytes(note) : null);
        }

        return new TrafficBatchPayload(new BatchHeader(TrafficBatchLayout.Version, 123_456, 1_763_777_000_123, reportCount), reports, access);
    }

    public void WriteTo(IBufferWriter<byte> output)
    {
        var writer = new TrafficBatchWriter(output);
        writer.WriteHeader(Header);
        foreach (TrafficReport report in Reports)
        {
            writer.WriteReport(report);
        }

        writer.WriteAccessHeader(Access.Length);
        foreach ((AccessEvent accessEvent, byte[]? note) in Access)
        {
            writer.WriteAccess(accessEvent, note, note is not null);
        }

        writer.Complete();
    }

    // 10^0 .. 10^11 bytes, log-uniform: idle users send a few bytes, streamers gigabytes.
    private static ulong LogUniformBytes(Random random) => (ulong)Math.Pow(10, random.NextDouble() * 11);

    // RFC 9562 UUIDv7 layout (48-bit ms timestamp, version 7, variant 10) from a seeded random, for reproducible runs.
    private static Guid NewUuidV7(Random random, long unixMs)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        for (int i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(unixMs >> (40 - (8 * i)));
        }

        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0f));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3f));
        return new Guid(bytes, bigEndian: true);
    }
}
