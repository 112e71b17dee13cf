#!/usr/bin/env bash
# The README's test command: the same set-up as run.sh (packages, servers, schema, build), then the
# whole test suite against the real Postgres, Redis and ClickHouse, and the classes that touch Redis a
# second time against a Redis Cluster of three masters (docs/ingest.md, "Redis Cluster"). Idempotent.
#
# The Cluster is started here (not by run.sh) and stopped when the run ends, pass or fail, unless one is
# given: VPNPERF_REDIS_CLUSTER set to a StackExchange.Redis configuration string naming its nodes (as
# ConnectionStrings__Redis takes it) is used as it is, and nothing is started or stopped for it.
set -euo pipefail
NEED_REDIS_CLUSTER=1
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

setup_all
if [ "$LOCAL_REDIS_CLUSTER" = 1 ]; then
  trap stop_redis_cluster EXIT
  start_redis_cluster
fi

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
run_tests --filter "RedisTopology!=Cluster"
status=$?
# The Ingest and Api classes that touch Redis (trait RedisTopology=Any; tests/Shared/RedisTopology.cs), again on the
# Cluster, with the Cluster-only ones; the ones that need a proxy in front of one server stay out.
log "running the Redis tests again against the Redis Cluster ($VPNPERF_REDIS_CLUSTER)"
ConnectionStrings__Redis=$VPNPERF_REDIS_CLUSTER \
  run_tests --filter "(RedisTopology=Any|RedisTopology=Cluster)&RedisTopology!=SingleServer"
cluster_status=$?
[ "$status" = 0 ] && status=$cluster_status
set -e
# One closing line in the plain form CI reads: 'N passed, N failed' (both passes together).
count() { awk -v k="$1" '$1 == k":" { s += $2 } END { print s + 0 }' "$DATA_DIR/test-output.txt"; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
