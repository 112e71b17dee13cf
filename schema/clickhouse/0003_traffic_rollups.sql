-- Rollups of traffic for analysts (docs/analytics.md). Each is a SummingMergeTree table filled by a materialized
-- view with an explicit TO table (works on 18.16 and current versions, and the table can be queried, altered and
-- backfilled on its own). Rows of one key merge in the background, so always query with sum() ... GROUP BY.
CREATE TABLE IF NOT EXISTS traffic_hourly_by_subscription
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_hourly_by_subscription_mv TO traffic_hourly_by_subscription
AS SELECT toStartOfHour(interval_start) AS hour, subscription_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic
GROUP BY hour, subscription_id;

CREATE TABLE IF NOT EXISTS traffic_daily_by_node
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_daily_by_node_mv TO traffic_daily_by_node
AS SELECT date, node_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic
GROUP BY date, node_id;

CREATE TABLE IF NOT EXISTS traffic_daily_by_inbound
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

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_daily_by_inbound_mv TO traffic_daily_by_inbound
AS SELECT date, inbound_id,
    sum(bytes_up) AS bytes_up, sum(bytes_down) AS bytes_down, count() AS reports
FROM traffic
GROUP BY date, inbound_id;
