using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// The one place that fixes the Ingest's ClickHouse tables: names, the column order of the RowBinary inserts (which
/// must match schema/clickhouse/ and schema/clickhouse-shards/ — <see cref="VerifyAsync(ClickHouseClient, TrafficTableSet, CancellationToken)"/>
/// checks it at startup), the row encoders, and the (node, seq) ledger query used before a replay.
/// </summary>
internal static class TrafficTables
{
    public const string Traffic = "traffic";
    public const string AccessLog = "access_log";
    public const string TrafficBatches = "traffic_batches";
    public const string AccessBatches = "access_batches";

    /// <summary>A shard's own <c>traffic</c> (schema/clickhouse-shards); <c>traffic</c> there is the Distributed table over them.</summary>
    public const string TrafficLocal = "traffic_local";
    public const string AccessLogLocal = "access_log_local";
    public const string TrafficBatchesLocal = "traffic_batches_local";
    public const string AccessBatchesLocal = "access_batches_local";

    /// <summary>
    /// Bytes of one traffic row: Date 2 + DateTime 4 + UInt32 4 + 3 UUIDs 48 + 3 UInt64 24 + DateTime 4 = 86.
    /// </summary>
    public const int TrafficRowBytes =
        RowBinarySizes.Date + RowBinarySizes.DateTime + RowBinarySizes.UInt32 + (3 * RowBinarySizes.Uuid)
        + (3 * RowBinarySizes.UInt64) + RowBinarySizes.DateTime;

    /// <summary>Where a traffic row's sorting key, (subscription_id, interval_start), sits in its encoded bytes.</summary>
    public const int TrafficIntervalStartOffset = RowBinarySizes.Date;

    /// <inheritdoc cref="TrafficIntervalStartOffset"/>
    public const int TrafficSubscriptionOffset = RowBinarySizes.Date + RowBinarySizes.DateTime + RowBinarySizes.UInt32;

    /// <summary>
    /// Bytes of one access_log row before its note: Date 2 + DateTime 4 + UInt16 2 + 4 UUIDs 64 + 3 UInt64 24 = 96;
    /// the note adds <see cref="RowBinarySizes.String"/>(its byte length).
    /// </summary>
    public const int AccessLogFixedBytes =
        RowBinarySizes.Date + RowBinarySizes.DateTime + RowBinarySizes.UInt16 + (4 * RowBinarySizes.Uuid)
        + (3 * RowBinarySizes.UInt64);

    /// <summary>Ledger query: rows landed per requested (node, seq); 18.16 has no tuple-array parameters, so the pairs are
    /// narrowed with two IN lists (both lead the ledger's sort key) and the cross-product extras are dropped client-side.</summary>
    public const string TrafficLandedSql =
        "SELECT node_id, seq, sum(rows) FROM traffic_batches WHERE node_id IN {nodes} AND seq IN {seqs} GROUP BY node_id, seq HAVING sum(rows) > 0";

    /// <inheritdoc cref="TrafficLandedSql"/>
    public const string AccessLandedSql =
        "SELECT node_id, seq, sum(rows) FROM access_batches WHERE node_id IN {nodes} AND seq IN {seqs} GROUP BY node_id, seq HAVING sum(rows) > 0";

    /// <inheritdoc cref="TrafficLandedSql"/>
    public const string TrafficLocalLandedSql =
        "SELECT node_id, seq, sum(rows) FROM traffic_batches_local WHERE node_id IN {nodes} AND seq IN {seqs} GROUP BY node_id, seq HAVING sum(rows) > 0";

    /// <inheritdoc cref="TrafficLandedSql"/>
    public const string AccessLocalLandedSql =
        "SELECT node_id, seq, sum(rows) FROM access_batches_local WHERE node_id IN {nodes} AND seq IN {seqs} GROUP BY node_id, seq HAVING sum(rows) > 0";

    private const uint SecondsPerDay = 86_400;

    /// <summary>The insert column order of <c>traffic</c>; <see cref="WriteTraffic"/> writes exactly these.</summary>
    public static IReadOnlyList<ClickHouseColumn> TrafficColumns { get; } =
    [
        new("date", "Date"),
        new("interval_start", "DateTime"),
        new("interval_seconds", "UInt32"),
        new("subscription_id", "UUID"),
        new("inbound_id", "UUID"),
        new("node_id", "UUID"),
        new("seq", "UInt64"),
        new("bytes_up", "UInt64"),
        new("bytes_down", "UInt64"),
        new("received_at", "DateTime"),
    ];

    /// <summary>The insert column order of <c>access_log</c>; <see cref="WriteAccessLog"/> writes exactly these.</summary>
    public static IReadOnlyList<ClickHouseColumn> AccessLogColumns { get; } =
    [
        new("date", "Date"),
        new("ts", "DateTime"),
        new("ms", "UInt16"),
        new("event_id", "UUID"),
        new("subscription_id", "UUID"),
        new("inbound_id", "UUID"),
        new("node_id", "UUID"),
        new("seq", "UInt64"),
        new("bytes_up", "UInt64"),
        new("bytes_down", "UInt64"),
        new("note", "String"),
    ];

    /// <summary><see cref="TrafficColumns"/> as the column list of an INSERT.</summary>
    public static string TrafficColumnList { get; } = ClickHouseColumn.JoinNames(TrafficColumns);

    /// <summary><see cref="AccessLogColumns"/> as the column list of an INSERT.</summary>
    public static string AccessLogColumnList { get; } = ClickHouseColumn.JoinNames(AccessLogColumns);

    /// <summary>Writes one traffic row (<see cref="TrafficRowBytes"/> bytes, one Advance).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A time is outside ClickHouse DateTime (1970 to 2106).</exception>
    public static void WriteTraffic(ref RowBinaryWriter writer, in TrafficRow row)
    {
        uint start = ToDateTime(row.IntervalStart, nameof(row.IntervalStart));
        uint received = ToDateTime(row.ReceivedAt, nameof(row.ReceivedAt));
        writer.BeginRow(TrafficRowBytes); // the whole row, derived above
        writer.WriteDate((ushort)(start / SecondsPerDay)); // 2106 is day 49710: fits UInt16
        writer.WriteDateTime(start);
        writer.WriteUInt32(row.IntervalSeconds);
        writer.WriteUuid(row.SubscriptionId);
        writer.WriteUuid(row.InboundId);
        writer.WriteUuid(row.NodeId);
        writer.WriteUInt64(row.Seq);
        writer.WriteUInt64(row.BytesUp);
        writer.WriteUInt64(row.BytesDown);
        writer.WriteDateTime(received);
        writer.EndRow();
    }

    /// <summary>Writes one access_log row (<see cref="AccessLogFixedBytes"/> plus the note's string bytes, one Advance).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time is outside ClickHouse DateTime (1970 to 2106).</exception>
    public static void WriteAccessLog(ref RowBinaryWriter writer, in AccessLogRow row)
    {
        if (row.TimestampMs < 0) ThrowHelper.ThrowArgumentOutOfRange(nameof(row), "access_log timestamps start at 1970-01-01 (unix ms >= 0).");
        uint ts = ToDateTime(row.TimestampMs / 1000, nameof(row.TimestampMs));
        ReadOnlySpan<byte> note = row.NoteUtf8.Span;
        writer.BeginRow(AccessLogFixedBytes + RowBinarySizes.String(note.Length)); // fixed part plus prefixed note
        writer.WriteDate((ushort)(ts / SecondsPerDay));
        writer.WriteDateTime(ts);
        writer.WriteUInt16((ushort)(row.TimestampMs % 1000));
        writer.WriteUuid(row.EventId);
        writer.WriteUuid(row.SubscriptionId);
        writer.WriteUuid(row.InboundId);
        writer.WriteUuid(row.NodeId);
        writer.WriteUInt64(row.Seq);
        writer.WriteUInt64(row.BytesUp);
        writer.WriteUInt64(row.BytesDown);
        writer.WriteString(note);
        writer.EndRow();
    }

    /// <summary>Startup check: both tables exist with every insert column at the expected type.</summary>
    public static Task VerifyAsync(ClickHouseClient client, CancellationToken ct) => VerifyAsync(client, TrafficTableSet.SingleServer, ct);

    /// <summary>Startup check of one server's (or one shard's) insert tables, named by <paramref name="tables"/>.</summary>
    public static async Task VerifyAsync(ClickHouseClient client, TrafficTableSet tables, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tables);
        await ClickHouseSchema.VerifyColumnsAsync(client, tables.Traffic, TrafficColumns, ct);
        await ClickHouseSchema.VerifyColumnsAsync(client, tables.AccessLog, AccessLogColumns, ct);
    }

    /// <summary>
    /// Which of <paramref name="batches"/> already have rows in <paramref name="ledgerTable"/>
    /// (<see cref="TrafficBatches"/> or <see cref="AccessBatches"/>, or a shard's <see cref="TrafficBatchesLocal"/> or
    /// <see cref="AccessBatchesLocal"/>). Ask before replaying a spooled batch: a batch that landed is not inserted again.
    /// One query, over the small ledger table.
    /// </summary>
    public static async Task<HashSet<(Guid Node, ulong Seq)>> LandedBatchesAsync(
        ClickHouseClient client, string ledgerTable, IReadOnlyList<(Guid Node, ulong Seq)> batches, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(batches);
        string sql = ledgerTable switch
        {
            TrafficBatches => TrafficLandedSql,
            AccessBatches => AccessLandedSql,
            TrafficBatchesLocal => TrafficLocalLandedSql,
            AccessBatchesLocal => AccessLocalLandedSql,
            _ => throw new ArgumentException($"The ledger table must be {TrafficBatches}, {AccessBatches}, {TrafficBatchesLocal} or {AccessBatchesLocal}.", nameof(ledgerTable)),
        };
        var landed = new HashSet<(Guid Node, ulong Seq)>();
        if (batches.Count == 0) return landed;

        var wanted = new HashSet<(Guid Node, ulong Seq)>(batches.Count);
        var nodes = new HashSet<Guid>();
        var seqs = new HashSet<ulong>();
        foreach ((Guid node, ulong seq) in batches)
        {
            wanted.Add((node, seq));
            nodes.Add(node);
            seqs.Add(seq);
        }
        var parameters = new ClickHouseParameters()
            .AddInList("nodes", [.. nodes])
            .AddInList("seqs", [.. seqs]);
        List<string[]> rows = await client.QueryRowsAsync(sql, parameters, ct);
        foreach (string[] row in rows)
        {
            var key = (Guid.Parse(row[0]), ulong.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture));
            if (wanted.Contains(key)) landed.Add(key);
        }
        return landed;
    }

    private static uint ToDateTime(long unixSeconds, string what)
    {
        if ((ulong)unixSeconds > uint.MaxValue)
            ThrowHelper.ThrowArgumentOutOfRange(what, $"{what} must be unix seconds from 0 to 4294967295 (ClickHouse DateTime).");
        return (uint)unixSeconds;
    }
}
