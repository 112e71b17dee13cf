-- The sharded layout's copy of schema/clickhouse/0004_operator_rollups.sql (read it for why each rollup exists): the
-- operator rollups as *_local tables fed by each shard's traffic_local, and Distributed tables over them under the single
-- server's names, so the Api's operator analytics run unchanged on shards. The shards' uniqExact states of
-- traffic_minutely_by_node merge as set unions, so the distinct subscriptions read through the Distributed table are exact.
CREATE TABLE IF NOT EXISTS traffic_hourly_by_inbound_local
(
    hour DateTime,
    node_id UUID,
    inbound_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, node_id, inbound_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_hourly_by_inbound_local_mv TO traffic_hourly_by_inbound_local
AS SELECT toStartOfHour(interval_start) AS hour, node_id, inbound_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic_local
GROUP BY hour, node_id, inbound_id;

-- Daily per subscription, by day first: the top subscriptions of a range read only that range's days (the hourly
-- rollup is ordered by subscription and holds up to 24 times the rows).
CREATE TABLE IF NOT EXISTS traffic_daily_by_subscription_local
(
    date Date,
    subscription_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(date)
ORDER BY (date, subscription_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_daily_by_subscription_local_mv TO traffic_daily_by_subscription_local
AS SELECT date, subscription_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic_local
GROUP BY date, subscription_id;

-- Weekly per subscription (weeks from Monday, toMonday of the report's date): the top subscriptions read a range's whole
-- weeks here and only its leftover days from the daily rollup, a seventh of the rows for each whole week. Fed by the
-- daily view's output, not by traffic_local (why, and what that means for a backfill: schema/clickhouse/0004).
CREATE TABLE IF NOT EXISTS traffic_weekly_by_subscription_local
(
    week Date,
    subscription_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(week)
ORDER BY (week, subscription_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_weekly_by_subscription_local_mv TO traffic_weekly_by_subscription_local
AS SELECT toMonday(date) AS week, subscription_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, sum(reports) AS reports
FROM traffic_daily_by_subscription_local_mv
GROUP BY week, subscription_id;

-- Per node and minute of arrival (received_at, when the Ingest took the batch): the node status's reports/s, bytes/s
-- and active subscriptions over the last minutes. subscriptions is a uniqExact state (the distinct subscription ids the
-- node reported in that minute); SummingMergeTree merges such a column as AggregatingMergeTree would and sums the rest.
-- Read it with uniqExactMerge(subscriptions) ... GROUP BY.
CREATE TABLE IF NOT EXISTS traffic_minutely_by_node_local
(
    minute DateTime,
    node_id UUID,
    bytes_up UInt64,
    bytes_down UInt64,
    reports UInt64,
    subscriptions AggregateFunction(uniqExact, UUID)
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, node_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_minutely_by_node_local_mv TO traffic_minutely_by_node_local
AS SELECT toStartOfMinute(received_at) AS minute, node_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports, uniqExactState(subscription_id) AS subscriptions
FROM traffic_local
GROUP BY minute, node_id;

CREATE TABLE IF NOT EXISTS traffic_hourly_by_inbound AS traffic_hourly_by_inbound_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_hourly_by_inbound_local);

CREATE TABLE IF NOT EXISTS traffic_daily_by_subscription AS traffic_daily_by_subscription_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_daily_by_subscription_local);

CREATE TABLE IF NOT EXISTS traffic_weekly_by_subscription AS traffic_weekly_by_subscription_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_weekly_by_subscription_local);

CREATE TABLE IF NOT EXISTS traffic_minutely_by_node AS traffic_minutely_by_node_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_minutely_by_node_local);
