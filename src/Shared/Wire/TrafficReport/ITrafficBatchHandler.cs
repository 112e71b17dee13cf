namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// Receives a batch as <see cref="TrafficBatchParser"/> reads it, in wire order: the header, each report, the access
/// count, each access event. Implement it on a struct and pass it by ref, so the calls are direct and inlinable.
/// A handler that throws aborts the parse.
/// </summary>
public interface ITrafficBatchHandler
{
    void OnHeader(in BatchHeader header);

    void OnReport(in TrafficReport report);

    /// <summary>Called once, after the last report, with the number of access events that follow (possibly 0).</summary>
    void OnAccessCount(int count);

    /// <summary>
    /// <paramref name="note"/> is valid UTF-8 of at most <see cref="Limits.MaxNoteBytes"/> bytes, only valid during the
    /// call; it is empty with <paramref name="hasNote"/> false when the note was nil.
    /// </summary>
    void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote);
}
