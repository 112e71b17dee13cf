namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// The bounds a deployment puts on one traffic batch, passed by the caller of <see cref="TrafficBatchParser"/>.
/// The format's own facts (value ranges, note length, skip depth) are not here: they are constants in
/// <see cref="Limits"/>, the same for every writer and reader of version 1. Error messages give the value passed and
/// name the member it came from.
/// </summary>
/// <param name="MaxBatchBytes">Largest body (413 above it). Also bounds every array count and str/bin/ext length: an
/// element takes at least one byte, so a count larger than the bytes such a body can still hold is refused at once.</param>
/// <param name="MaxReportsPerBatch">Most reports in one batch: bounds the Redis work one request causes.</param>
/// <param name="MaxAccessPerBatch">Most access events in one batch: bounds the access_log rows one request adds.</param>
public readonly record struct TrafficBatchLimits(int MaxBatchBytes, int MaxReportsPerBatch, int MaxAccessPerBatch)
{
    /// <summary>Ingest's limits: <see cref="Limits.MaxBatchBytes"/>, <see cref="Limits.MaxReportsPerBatch"/> and <see cref="Limits.MaxAccessPerBatch"/>.</summary>
    public static TrafficBatchLimits Default => new(Limits.MaxBatchBytes, Limits.MaxReportsPerBatch, Limits.MaxAccessPerBatch);
}
