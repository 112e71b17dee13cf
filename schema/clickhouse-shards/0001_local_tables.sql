-- The sharded layout (docs/analytics.md, "Shards"), applied to every shard instead of schema/clickhouse/: the same
-- tables, views and ledgers as the single server, named *_local, each shard holding the rows of its subscriptions
-- (shard = ClickHouseShards.Of(subscription_id), the key of the Distributed tables in 0002). The Ingest inserts into
-- traffic_local and access_log_local of each shard directly and reads each shard's own ledgers; the views below feed
-- that shard's rollups and ledgers in the same insert, exactly as on one server. A change to a table in
-- schema/clickhouse/ is made here too (both directories are forward-only).
-- Runs on ClickHouse 18.16 and current versions; every statement is idempotent.
CREATE TABLE IF NOT EXISTS traffic_local
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

-- A shard's ledger lists the (node, seq) whose rows landed on that shard: a batch whose subscriptions span both shards
-- has a row in each, and a flush that reached one shard only is completed on the other (docs/ingest.md, "Shards").
CREATE TABLE IF NOT EXISTS traffic_batches_local
(
    date Date,
    node_id UUID,
    seq UInt64,
    rows UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (node_id, seq, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_batches_local_mv TO traffic_batches_local
AS SELECT date, node_id, seq, count() AS rows
FROM traffic_local
GROUP BY date, node_id, seq;

CREATE TABLE IF NOT EXISTS access_log_local
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

CREATE TABLE IF NOT EXISTS access_batches_local
(
    date Date,
    node_id UUID,
    seq UInt64,
    rows UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (node_id, seq, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS access_batches_local_mv TO access_batches_local
AS SELECT date, node_id, seq, count() AS rows
FROM access_log_local
GROUP BY date, node_id, seq;

CREATE TABLE IF NOT EXISTS traffic_hourly_by_subscription_local
(
    hour DateTime,
    subscription_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (subscription_id, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_hourly_by_subscription_local_mv TO traffic_hourly_by_subscription_local
AS SELECT toStartOfHour(interval_start) AS hour, subscription_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic_local
GROUP BY hour, subscription_id;

CREATE TABLE IF NOT EXISTS traffic_daily_by_node_local
(
    date Date,
    node_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (node_id, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_daily_by_node_local_mv TO traffic_daily_by_node_local
AS SELECT date, node_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic_local
GROUP BY date, node_id;

CREATE TABLE IF NOT EXISTS traffic_daily_by_inbound_local
(
    date Date,
    inbound_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (inbound_id, date);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_daily_by_inbound_local_mv TO traffic_daily_by_inbound_local
AS SELECT date, inbound_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic_local
GROUP BY date, inbound_id;
