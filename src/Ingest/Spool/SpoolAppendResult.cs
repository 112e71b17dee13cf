namespace Vpn.Perf.Ingest.Spool;

/// <summary>Result of an append: the status, and for <see cref="SpoolAppendStatus.Appended"/> the record's start position.</summary>
internal readonly record struct SpoolAppendResult(SpoolAppendStatus Status, SpoolPosition Position)
{
    public static SpoolAppendResult Full => new(SpoolAppendStatus.Full, default);

    public static SpoolAppendResult Faulted => new(SpoolAppendStatus.Faulted, default);

    public bool IsAppended => Status == SpoolAppendStatus.Appended;
}
