using System.Buffers;
using System.Globalization;
using System.Text;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>A batch as plain values, with its expected dump and its encoding by <see cref="TrafficBatchWriter"/>.</summary>
internal sealed record SampleBatch(ulong Seq, long SentAtMs, TrafficReport[] Reports, (AccessEvent Event, string? Note)[] Access)
{
    /// <summary>A small batch touching every integer width times may take (0 to 2^32 - 1 s), multi-byte UTF-8 notes (fixstr and str 8) and a nil note.</summary>
    public static SampleBatch Small() => new(
        Seq: 70_000,
        SentAtMs: 1_763_777_000_123,
        Reports:
        [
            new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), Guid.Parse("0192f7a0-0000-7000-8000-000000000001"), 0, 127, 1_763_776_940, 60),
            new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e10"), Guid.Parse("0192f7a0-0000-7000-8000-000000000002"), 128, 65_536, 255, 0),
            new(Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"), Guid.Empty, 4_294_967_296, Shared.Limits.MaxBytesPerReport, (long)Shared.Limits.MaxUnixSeconds, Shared.Limits.MaxIntervalSeconds),
        ],
        Access:
        [
            (new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-000000000042"), 1_763_776_999_000, Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), Guid.Parse("0192f7a0-0000-7000-8000-000000000001"), 200, 5), "tcp → cdn ✓"),
            (new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-000000000043"), 5, Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e10"), Guid.Parse("0192f7a0-0000-7000-8000-000000000002"), 0, 0), null),
            (new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-000000000044"), 0, Guid.Empty, Guid.Empty, 1, 1), ""),
            // A str 8 note (over 31 bytes), so the contiguous fast path and the checked path both read that header.
            (new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-000000000045"), 6, Guid.Empty, Guid.Empty, 2, 3), new string('n', 40) + " — долгая заметка"),
        ]);

    /// <summary>The golden fixture: one report, one access event; its bytes are pinned in the tests and docs.</summary>
    public static SampleBatch Golden() => new(
        Seq: 7,
        SentAtMs: 1_763_777_000_123,
        Reports:
        [
            new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), Guid.Parse("0192f7a0-0000-7000-8000-000000000001"), 1_000, 70_000, 1_763_776_940, 60),
        ],
        Access:
        [
            (new(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-000000000042"), 1_763_776_999_000, Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), Guid.Parse("0192f7a0-0000-7000-8000-000000000001"), 200, 5), "ok"),
        ]);

    public byte[] Encode()
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new TrafficBatchWriter(output);
        writer.WriteHeader(new BatchHeader(TrafficBatchLayout.Version, Seq, SentAtMs, Reports.Length));
        foreach (TrafficReport report in Reports)
        {
            writer.WriteReport(report);
        }

        writer.WriteAccessHeader(Access.Length);
        foreach ((AccessEvent accessEvent, string? note) in Access)
        {
            writer.WriteAccess(accessEvent, note is null ? default : Encoding.UTF8.GetBytes(note), note is not null);
        }

        writer.Complete();
        return output.WrittenSpan.ToArray();
    }

    /// <summary>What <see cref="RecordingHandler"/> must produce for this batch.</summary>
    public string ExpectedDump()
    {
        var handler = new RecordingHandler();
        handler.OnHeader(new BatchHeader(TrafficBatchLayout.Version, Seq, SentAtMs, Reports.Length));
        foreach (TrafficReport report in Reports)
        {
            handler.OnReport(report);
        }

        handler.OnAccessCount(Access.Length);
        foreach ((AccessEvent accessEvent, string? note) in Access)
        {
            handler.OnAccess(accessEvent, note is null ? default : Encoding.UTF8.GetBytes(note), note is not null);
        }

        return handler.Text;
    }

    public static string Parse(ReadOnlySequence<byte> body) => Parse(body, TrafficBatchLimits.Default);

    public static string Parse(ReadOnlySequence<byte> body, TrafficBatchLimits limits)
    {
        var handler = new RecordingHandler();
        TrafficBatchParser.Parse(body, limits, ref handler);
        return handler.Text;
    }

    public static string Parse(byte[] body) => Parse(new ReadOnlySequence<byte>(body));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLower(CultureInfo.InvariantCulture);
}
