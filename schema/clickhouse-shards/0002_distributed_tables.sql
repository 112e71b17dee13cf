-- What the Api and analysts query in the sharded layout: Distributed tables over the *_local tables of every shard of the
-- cluster vpnperf_shards (remote_servers in each server's config), under the single server's names, so every query of
-- docs/analytics.md runs unchanged. Each shard aggregates its part and the server asked merges the parts.
-- traffic and access_log carry the sharding key of ClickHouseShards.Of: intHash64 of the subscription id's two 64-bit
-- halves XORed, modulo the shard count, so a row inserted through them (a backfill) lands where the Ingest puts it. The
-- rollups have none: with more than one shard ClickHouse refuses an insert into them, which only their views may fill.
-- The ledgers have no Distributed table: only a shard's own ledger says what landed on it.
-- currentDatabase(): the local tables sit in the same database on every shard.
CREATE TABLE IF NOT EXISTS traffic AS traffic_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_local,
    intHash64(bitXor(reinterpretAsUInt64(reverse(substring(UUIDStringToNum(toString(subscription_id)), 1, 8))),
                     reinterpretAsUInt64(reverse(substring(UUIDStringToNum(toString(subscription_id)), 9, 8))))));

CREATE TABLE IF NOT EXISTS access_log AS access_log_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), access_log_local,
    intHash64(bitXor(reinterpretAsUInt64(reverse(substring(UUIDStringToNum(toString(subscription_id)), 1, 8))),
                     reinterpretAsUInt64(reverse(substring(UUIDStringToNum(toString(subscription_id)), 9, 8))))));

CREATE TABLE IF NOT EXISTS traffic_hourly_by_subscription AS traffic_hourly_by_subscription_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_hourly_by_subscription_local);

CREATE TABLE IF NOT EXISTS traffic_daily_by_node AS traffic_daily_by_node_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_daily_by_node_local);

CREATE TABLE IF NOT EXISTS traffic_daily_by_inbound AS traffic_daily_by_inbound_local
ENGINE = Distributed(vpnperf_shards, currentDatabase(), traffic_daily_by_inbound_local);
