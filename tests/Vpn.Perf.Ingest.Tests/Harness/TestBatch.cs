using System.Buffers;
using System.IO.Compression;
using System.Text;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>Builds version 1 traffic batches with the production <see cref="TrafficBatchWriter"/>.</summary>
internal static class TestBatch
{
    public static readonly long NowSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 60 * 60;

    public static TrafficReport Report(Guid sid, ulong up, ulong down, Guid? inbound = null) =>
        new(sid, inbound ?? Guid.Empty, up, down, NowSeconds, 60);

    public static byte[] Build(ulong seq, IReadOnlyList<TrafficReport> reports, int accessEvents = 0)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new TrafficBatchWriter(output);
        writer.WriteHeader(new BatchHeader(1, seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), reports.Count));
        foreach (TrafficReport r in reports) writer.WriteReport(r);
        writer.WriteAccessHeader(accessEvents);
        for (int i = 0; i < accessEvents; i++)
        {
            TrafficReport r = reports[i % reports.Count];
            byte[] note = Encoding.UTF8.GetBytes("conn " + i);
            writer.WriteAccess(new AccessEvent(Guid.NewGuid(), (NowSeconds * 1000) + i, r.SubscriptionId, r.InboundId, 10, 20), note, hasNote: i % 2 == 0);
        }
        writer.Complete();
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Gzip(ReadOnlySpan<byte> data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    /// <summary>True when Ingest's own decode stage (the parser feeding its <see cref="CollectingHandler"/>) accepts <paramref name="body"/>.</summary>
    public static bool Decodes(byte[] body)
    {
        using var batch = new BatchContext();
        var handler = new CollectingHandler(batch, IngestFixture.BucketCount, ReportBounds.None);
        try
        {
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(body), TrafficBatchLimits.Default, ref handler);
            return true;
        }
        catch (Shared.Wire.WireFormatException)
        {
            return false;
        }
    }
}
