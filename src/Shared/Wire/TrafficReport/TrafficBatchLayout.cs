namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// The traffic batch a node exporter posts to <c>POST /v1/reports</c> (DESIGN.md, "Wire format: traffic batch";
/// full spec in docs/wire-format.md). MessagePack, array layout, fields only ever appended:
/// <code>
/// Batch  = array [ 0 version          uint (= 1)
///                  1 seq              uint64   per-node sequence, strictly increasing
///                  2 sent_at          int64    unix milliseconds
///                  3 reports          array of Report  (at most TrafficBatchLimits.MaxReportsPerBatch)
///                  4 access           array of Access  (may be empty; at most TrafficBatchLimits.MaxAccessPerBatch) ]
/// Report = array [ 0 subscription_id  bin 16   UUID, RFC 9562 network byte order
///                  1 inbound_id       bin 16
///                  2 bytes_up         uint64   at most Limits.MaxBytesPerReport
///                  3 bytes_down       uint64   at most Limits.MaxBytesPerReport
///                  4 interval_start   int64    unix seconds
///                  5 interval_seconds uint     at most Limits.MaxIntervalSeconds ]
/// Access = array [ 0 event_id         bin 16
///                  1 ts               int64    unix milliseconds
///                  2 subscription_id  bin 16
///                  3 inbound_id       bin 16
///                  4 bytes_up         uint64   at most Limits.MaxBytesPerReport
///                  5 bytes_down       uint64   at most Limits.MaxBytesPerReport
///                  6 note             str (UTF-8, at most Limits.MaxNoteBytes) or nil ]
/// </code>
/// Integers may use any valid MessagePack encoding. Arrays longer than shown carry fields of a later version and
/// are skipped; shorter arrays are rejected (<see cref="WireError.TooFewFields"/>).
/// </summary>
public static class TrafficBatchLayout
{
    /// <summary>The only version this code reads and writes.</summary>
    public const uint Version = 1;

    /// <summary>Fields of a version 1 batch array.</summary>
    public const int BatchFieldCount = 5;

    /// <summary>Fields of a version 1 report array.</summary>
    public const int ReportFieldCount = 6;

    /// <summary>Fields of a version 1 access event array.</summary>
    public const int AccessFieldCount = 7;
}
