#!/usr/bin/env bash
# The servers of `load -- scale-out` that are not .NET processes: started and stopped by the tool through this script
# with the functions of tests/infra/servers.sh, so a Redis Cluster is set up one way everywhere.
#
#   load/scale-out-servers.sh start <data dir>   prints KEY=VALUE lines (the connection settings) on stdout
#   load/scale-out-servers.sh stop <data dir>    stops what start started there and deletes its data (logs stay)
#
# Ports: VPNPERF_REDIS_CLUSTER_PORT and the two after it (bus ports 10000 below each), as for the tests.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 start|stop <data dir>" >&2; exit 64; }
command=$1
run_dir=$2
# shellcheck source=../tests/infra/servers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../tests/infra/servers.sh"
# servers.sh keeps its servers' data under the repository's .data/; this run's servers live and die with the run's folder,
# so a run starts from an empty cluster and leaves no keys or layout behind for the next one.
DATA_DIR=$run_dir
CLUSTER_PORTS=("$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)))

start() {
  mkdir -p "$DATA_DIR"
  start_redis_cluster
  echo "redis=$VPNPERF_REDIS_CLUSTER"
}

# SHUTDOWN first (each node fsyncs its AOF and exits); a node still answering after 10 s is killed by the pid in its own
# pid file, so only processes this script started are ever signalled.
stop() {
  stop_redis_cluster
  local p dir
  for p in "${CLUSTER_PORTS[@]}"; do
    dir="$DATA_DIR/redis-cluster/$p"
    for _ in $(seq 1 40); do
      redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 || break
      sleep 0.25
    done
    if redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 && [ -f "$dir/redis.pid" ]; then
      log "Redis Cluster node 127.0.0.1:$p did not shut down within 10 s: killing pid $(cat "$dir/redis.pid")"
      kill -9 "$(cat "$dir/redis.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir/appendonlydir" "$dir/nodes.conf"
  done
}

case $command in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop <data dir>" >&2; exit 64 ;;
esac
