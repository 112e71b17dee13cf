using System.Buffers;
using Vpn.Perf.Shared.Wire.MessagePack;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Hand-built MessagePack for tests that need layouts the batch writer refuses to produce.</summary>
internal static class Msg
{
    public delegate void WriteBody(ref MessagePackWriter writer);

    public static readonly Guid Sub = Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f");
    public static readonly Guid Inbound = Guid.Parse("0192f7a0-0000-7000-8000-000000000001");

    public static byte[] Build(WriteBody body)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        body(ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] FromHex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>Batch header fields with the given field count; the caller writes the rest.</summary>
    public static void Header(ref MessagePackWriter w, int reportCount, int fields = 5, ulong version = 1)
    {
        w.WriteArrayHeader(fields);
        w.WriteUInt64(version);
        w.WriteUInt64(1);
        w.WriteInt64(1_763_777_000_123);
        w.WriteArrayHeader(reportCount);
    }

    /// <summary>A version 1 report; with <paramref name="fields"/> above 6 the caller appends the extra fields.</summary>
    public static void Report(ref MessagePackWriter w, ulong bytesUp = 10, ulong bytesDown = 20, uint seconds = 60, int fields = 6)
    {
        w.WriteArrayHeader(fields);
        w.WriteUuid(Sub);
        w.WriteUuid(Inbound);
        w.WriteUInt64(bytesUp);
        w.WriteUInt64(bytesDown);
        w.WriteInt64(1_763_776_940);
        w.WriteUInt64(seconds);
    }

    public static void Access(ref MessagePackWriter w, ReadOnlySpan<byte> note, bool hasNote = true, int fields = 7)
    {
        w.WriteArrayHeader(fields);
        w.WriteUuid(Sub);
        w.WriteInt64(1_763_776_999_000);
        w.WriteUuid(Sub);
        w.WriteUuid(Inbound);
        w.WriteUInt64(1);
        w.WriteUInt64(2);
        if (hasNote)
        {
            w.WriteString(note);
        }
        else
        {
            w.WriteNil();
        }
    }

    /// <summary>A batch of one report and no access events.</summary>
    public static byte[] OneReportBatch(ulong bytesUp = 10, ulong bytesDown = 20, uint seconds = 60) => Build((ref MessagePackWriter w) =>
    {
        Header(ref w, reportCount: 1);
        Report(ref w, bytesUp, bytesDown, seconds);
        w.WriteArrayHeader(0);
    });
}
