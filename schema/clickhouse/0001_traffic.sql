-- Traffic history: one row per report of a node's batch, written by the Ingest with RowBinary inserts.
-- Column order of the inserts: src/Shared/ClickHouse/TrafficTables.cs (checked against DESCRIBE TABLE at startup).
-- Runs on ClickHouse 18.16 and current versions: new-style MergeTree syntax, no TTL, no DateTime64,
-- no LowCardinality. Every statement is idempotent; applied in file order, one statement per request.
-- date is toDate(interval_start), sent explicitly (RowBinary inserts list every column they fill).
-- (node_id, seq) identify the batch a row came from: the ledger below answers what already landed.
CREATE TABLE IF NOT EXISTS traffic
(
    date Date,
    interval_start DateTime,
    interval_seconds UInt32,
    subscription_id UUID,
    inbound_id UUID,
    node_id UUID,
    seq UInt64,
    bytes_up UInt64,
    bytes_down UInt64,
    received_at DateTime
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (subscription_id, interval_start);

-- Dedup ledger for exactly-once replays: rows per (node, seq) landed in traffic. Small (one row per batch and
-- day), fed in the same insert by the view below. Always read it with sum(rows) ... GROUP BY: parts merge later.
-- Partitioned by month so old months can be dropped by hand (18.16 has no TTL).
CREATE TABLE IF NOT EXISTS traffic_batches
(
    date Date,
    node_id UUID,
    seq UInt64,
    rows UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (node_id, seq, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_batches_mv TO traffic_batches
AS SELECT date, node_id, seq, count() AS rows
FROM traffic
GROUP BY date, node_id, seq;
