#!/usr/bin/env bash
# The README's test command: the same set-up as run.sh (packages, servers, schema, build), then the
# whole test suite against the real Postgres, Redis and ClickHouse, the classes that touch Redis a
# second time against a Redis Cluster of three masters (docs/ingest.md, "Redis Cluster"), and the classes
# whose claims touch what lands in ClickHouse a further time on two ClickHouse shards (docs/analytics.md,
# "Shards"). Idempotent.
#
# The Cluster and the shards are started here (not by run.sh) and stopped when the run ends, pass or fail,
# unless they are given: VPNPERF_REDIS_CLUSTER set to a StackExchange.Redis configuration string naming the
# Cluster's nodes (as ConnectionStrings__Redis takes it), VPNPERF_CLICKHOUSE_SHARDS to the shards'
# connection strings (';'-separated, as ConnectionStrings__ClickHouseShards takes them) are used as they are,
# and nothing is started or stopped for them.
set -euo pipefail
NEED_REDIS_CLUSTER=1
NEED_CLICKHOUSE_SHARDS=1
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

setup_all
trap 'stop_redis_cluster_if_local; stop_clickhouse_shards' EXIT
stop_redis_cluster_if_local() { if [ "$LOCAL_REDIS_CLUSTER" = 1 ]; then stop_redis_cluster; fi; }
if [ "$LOCAL_REDIS_CLUSTER" = 1 ]; then start_redis_cluster; fi
start_clickhouse_shards
# Only the shards pass sees them: the services would otherwise write to the shards in the other passes too.
CLICKHOUSE_SHARDS=$ConnectionStrings__ClickHouseShards
unset ConnectionStrings__ClickHouseShards

# The browser tests keep their screenshots here (tests/Vpn.Perf.Api.Tests/Features/Configs/Page).
export VPNPERF_TEST_RESULTS="$DATA_DIR/test-results"

run_tests() {
  dotnet test "$REPO_ROOT/Vpn.Perf.sln" -c Release --no-build -nologo -v:q \
    --logger "console;verbosity=normal" "$@" -- RunConfiguration.TestSessionTimeout=3000000 2>&1 \
    | tee -a "$DATA_DIR/test-output.txt" | grep -vE '^\s+Passed '
  return "${PIPESTATUS[0]}"
}

: >"$DATA_DIR/test-output.txt"
# No build here: setup_all built the solution in Release.
set +e
log "running the test suite (Redis: one server)"
run_tests --filter "RedisTopology!=Cluster&ClickHouseTopology!=Shards"
status=$?
# The Ingest and Api classes that touch Redis (trait RedisTopology=Any; tests/Shared/RedisTopology.cs), again on the
# Cluster, with the Cluster-only ones; the ones that need a proxy in front of one server stay out.
log "running the Redis tests again against the Redis Cluster ($VPNPERF_REDIS_CLUSTER)"
ConnectionStrings__Redis=$VPNPERF_REDIS_CLUSTER \
  run_tests --filter "(RedisTopology=Any|RedisTopology=Cluster)&RedisTopology!=SingleServer&ClickHouseTopology!=Shards"
cluster_status=$?
[ "$status" = 0 ] && status=$cluster_status
# The classes that prove what lands in ClickHouse (trait ClickHouseTopology=Any; tests/Shared/ClickHouseTopology.cs) and
# the shards-only ones, on the shards, against the single Redis: Ingest writes each shard's local tables, reads go to
# shard 1's Distributed tables.
log "running the ClickHouse tests again against two shards ($CLICKHOUSE_SHARDS)"
ConnectionStrings__ClickHouseShards=$CLICKHOUSE_SHARDS ConnectionStrings__ClickHouse=${CLICKHOUSE_SHARDS%%;*} \
  run_tests --filter "(ClickHouseTopology=Any|ClickHouseTopology=Shards)&ClickHouseTopology!=SingleServer"
shards_status=$?
[ "$status" = 0 ] && status=$shards_status
set -e
# One closing line in the plain form CI reads: 'N passed, N failed' (all passes together).
count() { awk -v k="$1" '$1 == k":" { s += $2 } END { print s + 0 }' "$DATA_DIR/test-output.txt"; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
