namespace Vpn.Perf.Ingest.Usage;

/// <summary>What Ingest decided for one report or access event at acceptance. Values are stable: they reach metrics.</summary>
internal enum ReportVerdict : byte
{
    /// <summary>Counted in Redis and stored in ClickHouse.</summary>
    Accepted = 0,

    /// <summary>The inbound is not the token's node's, or the subscription is not linked to it.</summary>
    OutOfScope = 1,

    /// <summary>More bytes than a real link moves in the interval, or an interval_start outside the window around now.</summary>
    OutOfBounds = 2,

    /// <summary>The usage counter would pass int64: not counted (the ClickHouse row stays, see docs/ingest.md).</summary>
    Overflow = 3,
}
