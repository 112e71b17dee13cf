-- Rollups for the Api's operator analytics (docs/analytics.md, "Operator analytics endpoints"), so that each of its
-- queries reads a few thousand rollup rows instead of the raw traffic or the per-subscription hourly rollup. Filled by
-- their views from the same inserts as the rollups of 0003; rows that landed before these views existed are not in
-- them (backfill: docs/analytics.md). Ordered by time first: every operator query is a time range over all keys.
-- Hourly per inbound (an inbound belongs to one node, so node_id adds no rows): totals, per node and per inbound by hour.
CREATE TABLE IF NOT EXISTS traffic_hourly_by_inbound
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_hourly_by_inbound_mv TO traffic_hourly_by_inbound
AS SELECT toStartOfHour(interval_start) AS hour, node_id, inbound_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic
GROUP BY hour, node_id, inbound_id;

-- Daily per subscription, by day first: the top subscriptions of a range read only that range's days (the hourly
-- rollup is ordered by subscription and holds up to 24 times the rows), and of those only the days outside whole weeks.
CREATE TABLE IF NOT EXISTS traffic_daily_by_subscription
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_daily_by_subscription_mv TO traffic_daily_by_subscription
AS SELECT date, subscription_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic
GROUP BY date, subscription_id;

-- Weekly per subscription (weeks from Monday, toMonday of the report's date): the top subscriptions read a range's whole
-- weeks here and only its leftover days from the daily rollup, a seventh of the rows for each whole week. Its view reads
-- the daily view's output, not traffic: each insert groups the daily rows of the block (a fraction of its traffic rows)
-- once more instead of the whole block (docs/perf.md, "Operator rollups"). It names the daily view, not its table: 18.16
-- runs the views of a view's output but not those of a TO table written by a view; an insert made straight into
-- traffic_daily_by_subscription (a backfill) therefore does not reach this rollup, which is backfilled on its own.
CREATE TABLE IF NOT EXISTS traffic_weekly_by_subscription
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_weekly_by_subscription_mv TO traffic_weekly_by_subscription
AS SELECT toMonday(date) AS week, subscription_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, sum(reports) AS reports
FROM traffic_daily_by_subscription_mv
GROUP BY week, subscription_id;

-- Per node and minute of arrival (received_at, when the Ingest took the batch): the node status's reports/s, bytes/s
-- and active subscriptions over the last minutes. subscriptions is a uniqExact state (the distinct subscription ids the
-- node reported in that minute); SummingMergeTree merges such a column as AggregatingMergeTree would and sums the rest.
-- Read it with uniqExactMerge(subscriptions) ... GROUP BY.
CREATE TABLE IF NOT EXISTS traffic_minutely_by_node
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_minutely_by_node_mv TO traffic_minutely_by_node
AS SELECT toStartOfMinute(received_at) AS minute, node_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports, uniqExactState(subscription_id) AS subscriptions
FROM traffic
GROUP BY minute, node_id;
