#!/usr/bin/env bash
# The servers of `load -- scale-out` that are not .NET processes: started and stopped by the tool through this script
# with the functions of tests/infra/servers.sh, so a Redis Cluster and ClickHouse shards are set up one way everywhere.
#
#   load/scale-out-servers.sh start <data dir>   prints KEY=VALUE lines (the connection settings) on stdout
#   load/scale-out-servers.sh stop <data dir>    stops what start started there and deletes its data (logs stay)
#
# Ports: VPNPERF_REDIS_CLUSTER_PORT and the two after it (bus ports 10000 below each), VPNPERF_CH_SHARD_HTTP_PORT and
# VPNPERF_CH_SHARD_TCP_PORT and the port after each, as for the tests.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 start|stop <data dir>" >&2; exit 64; }
command=$1
run_dir=$2
# Shards named by VPNPERF_CLICKHOUSE_SHARDS would be someone else's: this run starts its own.
unset VPNPERF_CLICKHOUSE_SHARDS
# shellcheck source=../tests/infra/servers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/infra/servers.sh"
# servers.sh keeps its servers' data under the repository's .data/; this run's servers live and die with the run's folder,
# so a run starts from an empty cluster and empty shards and leaves no keys, rows or layout behind for the next one.
DATA_DIR=$run_dir
CLUSTER_PORTS=("$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)))

start() {
  mkdir -p "$DATA_DIR"
  start_redis_cluster
  echo "redis=$VPNPERF_REDIS_CLUSTER"
  start_clickhouse_shards
  echo "clickhouse_shards=$ConnectionStrings__ClickHouseShards"
}

# Waits (bounded) until nothing answers `probe`; then kills by the pid in the server's own pid file, so only processes
# this script started are ever signalled.
wait_gone() {
  local what=$1 pid_file=$2 seconds=$3
  shift 3
  for _ in $(seq 1 $((seconds * 4))); do
    "$@" >/dev/null 2>&1 || return 0
    sleep 0.25
  done
  if [ -f "$pid_file" ]; then
    log "$what did not stop within $seconds s: killing pid $(cat "$pid_file")"
    kill -9 "$(cat "$pid_file")" 2>/dev/null || true
  fi
}

# Redis first gets SHUTDOWN (each node fsyncs its AOF and exits), ClickHouse SIGTERM from stop_clickhouse_shards.
stop() {
  stop_redis_cluster
  stop_clickhouse_shards
  local p i dir
  for p in "${CLUSTER_PORTS[@]}"; do
    dir="$DATA_DIR/redis-cluster/$p"
    wait_gone "Redis Cluster node 127.0.0.1:$p" "$dir/redis.pid" 10 redis-cli -h 127.0.0.1 -p "$p" ping
    rm -rf "$dir/appendonlydir" "$dir/nodes.conf"
  done
  for i in 0 1; do
    dir="$DATA_DIR/clickhouse-shard$((i + 1))"
    wait_gone "ClickHouse shard 127.0.0.1:$((CH_SHARD_HTTP_PORT + i))" "$dir/clickhouse.pid" 30 \
      curl -fsS "http://127.0.0.1:$((CH_SHARD_HTTP_PORT + i))/ping"
    rm -rf "$dir/data" "$dir/tmp"
  done
}

case $command in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop <data dir>" >&2; exit 64 ;;
esac
