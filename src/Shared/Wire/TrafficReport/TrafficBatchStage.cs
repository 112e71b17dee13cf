namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>What a <see cref="TrafficBatchReader"/> expects next. Explicit values, never renumbered.</summary>
public enum TrafficBatchStage
{
    /// <summary>Next: <see cref="TrafficBatchReader.TryReadHeader"/>.</summary>
    Header = 0,

    /// <summary>Next: <see cref="TrafficBatchReader.TryReadReport"/>.</summary>
    Reports = 1,

    /// <summary>Next: <see cref="TrafficBatchReader.TryReadAccessHeader"/>.</summary>
    AccessHeader = 2,

    /// <summary>Next: <see cref="TrafficBatchReader.TryReadAccess"/>.</summary>
    Access = 3,

    /// <summary>Next: <see cref="TrafficBatchReader.TryReadEnd"/>.</summary>
    End = 4,

    /// <summary>The batch has been read.</summary>
    Done = 5,
}
