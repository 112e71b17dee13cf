-- Access log: one row per proxied connection, as nodes report them. No IP address or device data is stored.
-- ts is the event time in unix seconds and ms its millisecond part (18.16 has no DateTime64);
-- date is toDate(ts). note is free text from the node, capped by the Ingest.
CREATE TABLE IF NOT EXISTS access_log
(
    date Date,
    ts DateTime,
    ms UInt16,
    event_id UUID,
    subscription_id UUID,
    inbound_id UUID,
    node_id UUID,
    seq UInt64,
    bytes_up UInt64,
    bytes_down UInt64,
    note String
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (subscription_id, ts, ms);

-- Dedup ledger of access_log, as traffic_batches is for traffic.
CREATE TABLE IF NOT EXISTS access_batches
(
    date Date,
    node_id UUID,
    seq UInt64,
    rows UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (node_id, seq, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS access_batches_mv TO access_batches
AS SELECT date, node_id, seq, count() AS rows
FROM access_log
GROUP BY date, node_id, seq;
