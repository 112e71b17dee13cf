using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Benchmarks.Wire;

/// <summary>Touches every decoded value, so the JIT cannot drop the parse as dead code, and allocates nothing.</summary>
internal struct SummingHandler : ITrafficBatchHandler
{
    public ulong Total;
    public int Records;

    public void OnHeader(in BatchHeader header) => Total += header.Seq;

    public void OnReport(in TrafficReport report)
    {
        Total += report.BytesUp + report.BytesDown + (ulong)report.SubscriptionId.GetHashCode();
        Records++;
    }

    public void OnAccessCount(int count) => Total += (ulong)count;

    public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote)
    {
        Total += accessEvent.BytesUp + (ulong)note.Length;
        Records++;
    }
}
