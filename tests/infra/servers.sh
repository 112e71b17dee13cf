# shellcheck shell=bash
# Installs (Debian packages) and starts Postgres, Redis, ClickHouse and a capturing SMTP server on 127.0.0.1 with
# their data under .data/ of the repo, waits until each answers, and exports the connection settings the services
# and the tests read. Sourced by run.sh and test.sh; every step is idempotent.
#
# A server that already runs elsewhere is honoured: set its connection setting before running and
# nothing is installed or started for it.
#   ConnectionStrings__Postgres    Npgsql connection string
#   ConnectionStrings__Redis       redis://[:password@]host:port
#   ConnectionStrings__ClickHouse  http://[user[:password]@]host:port/database
#   VPNPERF_REDIS_CLUSTER          a Redis Cluster's nodes as a StackExchange.Redis configuration string
#                                  (test.sh only: NEED_REDIS_CLUSTER=1 before sourcing this file)
#   VPNPERF_CLICKHOUSE_SHARDS      ClickHouse shards, ';'-separated, as ConnectionStrings__ClickHouseShards takes them
#                                  (start_clickhouse_shards; NEED_CLICKHOUSE_SHARDS=1 before sourcing installs the server)
#   VPNPERF_SMTP                   host:port of an SMTP server without TLS or with optional AUTH (the tests read
#                                  what it received from VPNPERF_SMTP_MAILDIR, a maildir it writes)

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA_DIR="$REPO_ROOT/.data"
PG_PORT=${VPNPERF_PG_PORT:-55432}
REDIS_PORT=${VPNPERF_REDIS_PORT:-56379}
REDIS_CLUSTER_PORT=${VPNPERF_REDIS_CLUSTER_PORT:-57001}
CH_HTTP_PORT=${VPNPERF_CH_HTTP_PORT:-58123}
CH_TCP_PORT=${VPNPERF_CH_TCP_PORT:-59000}
CH_SHARD_HTTP_PORT=${VPNPERF_CH_SHARD_HTTP_PORT:-58131}
CH_SHARD_TCP_PORT=${VPNPERF_CH_SHARD_TCP_PORT:-59131}
SMTP_PORT=${VPNPERF_SMTP_PORT:-55025}
PG_BIN=/usr/lib/postgresql/15/bin

NEED_REDIS_CLUSTER=${NEED_REDIS_CLUSTER:-0}
NEED_CLICKHOUSE_SHARDS=${NEED_CLICKHOUSE_SHARDS:-0}
LOCAL_PG=0; LOCAL_REDIS=0; LOCAL_REDIS_CLUSTER=0; LOCAL_CH=0; LOCAL_CH_SHARDS=0; LOCAL_SMTP=0
[ -z "${ConnectionStrings__Postgres:-}" ] && LOCAL_PG=1
[ -z "${ConnectionStrings__Redis:-}" ] && LOCAL_REDIS=1
[ "$NEED_REDIS_CLUSTER" = 1 ] && [ -z "${VPNPERF_REDIS_CLUSTER:-}" ] && LOCAL_REDIS_CLUSTER=1
[ -z "${ConnectionStrings__ClickHouse:-}" ] && LOCAL_CH=1
[ "$NEED_CLICKHOUSE_SHARDS" = 1 ] && [ -z "${VPNPERF_CLICKHOUSE_SHARDS:-}" ] && LOCAL_CH_SHARDS=1
[ -z "${VPNPERF_SMTP:-}" ] && LOCAL_SMTP=1

log() { printf '\033[1m[vpnperf]\033[0m %s\n' "$*" >&2; }
die() { printf '[vpnperf] error: %s\n' "$*" >&2; exit 1; }

# Packages the scripts and the tests need; servers only when they run here.
install_packages() {
  local wanted=(curl ca-certificates python3-msgpack python3-yaml python3-cryptography python3-bcrypt python3-jwt postgresql-client redis-tools)
  # The subscription page's browser tests: headless Chromium driven through its own chromedriver, QR codes read by zbarimg.
  wanted+=(chromium chromium-driver zbar-tools)
  [ "$LOCAL_PG" = 1 ] && wanted+=(postgresql)
  { [ "$LOCAL_REDIS" = 1 ] || [ "$LOCAL_REDIS_CLUSTER" = 1 ]; } && wanted+=(redis-server)
  { [ "$LOCAL_CH" = 1 ] || [ "$LOCAL_CH_SHARDS" = 1 ]; } && wanted+=(clickhouse-server clickhouse-client)
  [ "$LOCAL_SMTP" = 1 ] && wanted+=(python3-aiosmtpd)
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "packages missing (${missing[*]}); run as root so they can be installed"
  log "installing ${missing[*]}"
  apt-get update -q >/dev/null
  # Debian's maintainer scripts would start system-wide servers on the default ports; ours run
  # from .data/ on their own ports, so starting the packaged ones is not wanted.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created_policy" = 1 ] && rm -f "$policy"
  return 0
}

# The postgres user must reach .data/pg; a repo under a private home directory needs its
# ancestors traversable (execute bit only, nothing becomes readable).
ensure_traversable() {
  local d=$1
  while [ "$d" != / ]; do
    if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
      log "granting traverse (o+x) on $d so the postgres user can reach its data directory"
      chmod o+x "$d"
    fi
    d=$(dirname "$d")
  done
}

# Keeps the kernel from giving a port of ours to an outgoing connection as its local end: all of them lie inside
# Linux's ephemeral range (32768-60999 by default), so on a busy machine a client socket can hold one just as a server
# is to listen there ("Address already in use", a ClickHouse shard's TCP port on 2026-12-07). Adds the ports to
# net.ipv4.ip_local_reserved_ports beside what is there (servers may still listen on them); without the right to
# write it (a container), nothing changes.
reserve_ports() {
  local file=/proc/sys/net/ipv4/ip_local_reserved_ports current
  [ -w "$file" ] || return 0
  current=$(cat "$file")
  (IFS=,; printf '%s\n' "${current:+$current,}$*" >"$file") 2>/dev/null || true
}

start_postgres() {
  reserve_ports "$PG_PORT"
  local pgdata="$DATA_DIR/pg"
  mkdir -p "$DATA_DIR"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    log "initialising Postgres in $pgdata"
    install -d -o postgres -g postgres -m 700 "$pgdata"
    ensure_traversable "$pgdata"
    # Loopback only, trust auth: this is the developer/test instance; production passes its own DSN.
    runuser -u postgres -- "$PG_BIN/initdb" -D "$pgdata" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$pgdata/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pgdata'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
EOF
  fi
  ensure_traversable "$pgdata"
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    log "starting Postgres on 127.0.0.1:$PG_PORT"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 start >/dev/null
  fi
  for _ in $(seq 1 60); do
    "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q && break
    sleep 0.5
  done
  "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q || die "Postgres did not answer on 127.0.0.1:$PG_PORT (see $pgdata/server.log)"
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='vpnperf'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database vpnperf" >/dev/null
  fi
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=vpnperf;Maximum Pool Size=100"
}

start_redis() {
  reserve_ports "$REDIS_PORT"
  local dir="$DATA_DIR/redis"
  mkdir -p "$dir"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    # AOF with fsync every second: the usage counters are the source of truth for the current period.
    # Rewrites wait until the AOF reaches 1 GiB: at ingest rates the default 64 MiB forks a rewrite child every few
    # seconds (13 % of Redis's CPU in a profile, on the core Ingest and ClickHouse share); replay of 1 GiB takes seconds.
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
      --appendonly yes --appendfsync everysec --save "" --auto-aof-rewrite-min-size 1gb --protected-mode yes >/dev/null
  fi
  for _ in $(seq 1 60); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.25
  done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || die "Redis did not answer on 127.0.0.1:$REDIS_PORT (see $dir/redis.log)"
  export ConnectionStrings__Redis="redis://127.0.0.1:$REDIS_PORT"
}

# A Redis Cluster of three masters on 127.0.0.1:$REDIS_CLUSTER_PORT and the two ports after it, with the single
# server's persistence. Redis 7.0 puts a node's cluster bus on its data port + 10000 unless told otherwise, which is
# past 65535 for these ports, so each bus port is its data port - 10000. Restarted nodes rejoin from their nodes.conf;
# the cluster is created only when the first node knows no other. Exports VPNPERF_REDIS_CLUSTER, a StackExchange.Redis
# configuration string naming the three nodes (any one is enough to find the rest).
start_redis_cluster() {
  local ports=("$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)))
  reserve_ports "${ports[@]}" $((REDIS_CLUSTER_PORT - 10000)) $((REDIS_CLUSTER_PORT - 9999)) $((REDIS_CLUSTER_PORT - 9998))
  local p dir endpoints=()
  for p in "${ports[@]}"; do
    dir="$DATA_DIR/redis-cluster/$p"
    mkdir -p "$dir"
    if ! redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1; then
      log "starting Redis Cluster node on 127.0.0.1:$p (bus $((p - 10000)))"
      redis-server --daemonize yes --bind 127.0.0.1 --port "$p" --dir "$dir" \
        --cluster-enabled yes --cluster-port $((p - 10000)) --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
        --appendonly yes --appendfsync everysec --save "" --auto-aof-rewrite-min-size 1gb --protected-mode yes >/dev/null
    fi
    endpoints+=("127.0.0.1:$p")
  done
  for p in "${ports[@]}"; do
    for _ in $(seq 1 60); do
      redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null | grep -q PONG && break
      sleep 0.25
    done
    redis-cli -h 127.0.0.1 -p "$p" ping 2>/dev/null | grep -q PONG || die "Redis Cluster node 127.0.0.1:$p did not answer (see $DATA_DIR/redis-cluster/$p/redis.log)"
  done
  if redis-cli -h 127.0.0.1 -p "${ports[0]}" cluster info | grep -q '^cluster_known_nodes:1'; then
    log "creating the Redis Cluster (3 masters, no replicas)"
    redis-cli --cluster create "${endpoints[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
  fi
  # Every node must see the cluster whole: restarted nodes agree a moment after the first one does.
  for p in "${ports[@]}"; do
    for _ in $(seq 1 120); do
      redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.25
    done
    redis-cli -h 127.0.0.1 -p "$p" cluster info | grep -q '^cluster_state:ok' || die "Redis Cluster node 127.0.0.1:$p did not reach cluster_state:ok"
  done
  VPNPERF_REDIS_CLUSTER=$(IFS=,; echo "${endpoints[*]}")
  export VPNPERF_REDIS_CLUSTER
}

stop_redis_cluster() {
  local p
  for p in "$REDIS_CLUSTER_PORT" $((REDIS_CLUSTER_PORT + 1)) $((REDIS_CLUSTER_PORT + 2)); do
    redis-cli -h 127.0.0.1 -p "$p" shutdown >/dev/null 2>&1 || true
  done
}

# Writes config.xml and users.xml for one server under $1 listening on HTTP $2 and TCP $3; a fourth argument is put in
# the config as it is (the shards' <remote_servers>).
write_clickhouse_config() {
  local dir=$1 http_port=${2:-$CH_HTTP_PORT} tcp_port=${3:-$CH_TCP_PORT} extra=${4:-}
  cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http_port</http_port>
    <tcp_port>$tcp_port</tcp_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>10</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <!-- Merge traffic's and access_log's parts column by column: the sort key's columns first, then each other column
         gathered in that order. Row by row (the default below 11 columns) cost twice the CPU per merged row
         (docs/perf.md, cost 16). 18.16 cannot set this per table after creation; a server's setting covers every table. -->
    <merge_tree>
        <vertical_merge_algorithm_min_columns_to_activate>1</vertical_merge_algorithm_min_columns_to_activate>
    </merge_tree>
$extra
</yandex>
EOF
  cat >"$dir/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
        </default>
    </quotas>
</yandex>
EOF
}

start_clickhouse() {
  reserve_ports "$CH_HTTP_PORT" "$CH_TCP_PORT"
  local dir="$DATA_DIR/clickhouse"
  mkdir -p "$dir/log" "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
  write_clickhouse_config "$dir"
  launch_clickhouse "$dir" "$CH_HTTP_PORT"
  export ConnectionStrings__ClickHouse="http://default@127.0.0.1:$CH_HTTP_PORT/vpnperf"
}

# Starts the server configured under $1 unless something answers on HTTP port $2 already, and waits for /ping.
launch_clickhouse() {
  local dir=$1 http_port=$2
  if ! curl -fsS "http://127.0.0.1:$http_port/ping" >/dev/null 2>&1; then
    log "starting ClickHouse on 127.0.0.1:$http_port"
    clickhouse-server --config-file="$dir/config.xml" --pid-file="$dir/clickhouse.pid" --daemon >/dev/null 2>&1 \
      || die "clickhouse-server failed to start (see $dir/log)"
  fi
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$http_port/ping" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$http_port/ping" >/dev/null 2>&1 || die "ClickHouse did not answer on 127.0.0.1:$http_port (see $dir/log)"
}

# Two ClickHouse servers as the two shards of the cluster vpnperf_shards (docs/analytics.md, "Shards"): HTTP on
# $CH_SHARD_HTTP_PORT and the port after it, TCP (which the Distributed tables use between servers) on
# $CH_SHARD_TCP_PORT and the port after it, data under .data/clickhouse-shard1 and -shard2. Each gets
# schema/clickhouse-shards: the local tables Ingest writes and the Distributed tables over them that the Api and analysts
# read. Exports ConnectionStrings__ClickHouseShards (both shards, ';'-separated; the services then take
# ConnectionStrings__ClickHouse to be either shard, whose Distributed tables give the whole picture).
# VPNPERF_CLICKHOUSE_SHARDS set to such a ';'-separated list (with the cluster configured there) is used as it is:
# nothing is started, only the schema applied.
start_clickhouse_shards() {
  reserve_ports "$CH_SHARD_HTTP_PORT" $((CH_SHARD_HTTP_PORT + 1)) "$CH_SHARD_TCP_PORT" $((CH_SHARD_TCP_PORT + 1))
  local urls=() i
  if [ -n "${VPNPERF_CLICKHOUSE_SHARDS:-}" ]; then
    IFS=';' read -r -a urls <<<"$VPNPERF_CLICKHOUSE_SHARDS"
  else
    local remote="    <remote_servers>
        <vpnperf_shards>"
    for i in 0 1; do
      remote+="
            <shard><replica><host>127.0.0.1</host><port>$((CH_SHARD_TCP_PORT + i))</port></replica></shard>"
    done
    remote+="
        </vpnperf_shards>
    </remote_servers>"
    for i in 0 1; do
      local dir="$DATA_DIR/clickhouse-shard$((i + 1))"
      mkdir -p "$dir/log" "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
      write_clickhouse_config "$dir" $((CH_SHARD_HTTP_PORT + i)) $((CH_SHARD_TCP_PORT + i)) "$remote"
      launch_clickhouse "$dir" $((CH_SHARD_HTTP_PORT + i))
      urls+=("http://default@127.0.0.1:$((CH_SHARD_HTTP_PORT + i))/vpnperf")
    done
  fi
  local url
  for url in "${urls[@]}"; do apply_clickhouse_schema "$url" "$REPO_ROOT/schema/clickhouse-shards"; done
  ConnectionStrings__ClickHouseShards=$(IFS=';'; echo "${urls[*]}")
  export ConnectionStrings__ClickHouseShards
}

# Stops the shard servers start_clickhouse_shards started (none when VPNPERF_CLICKHOUSE_SHARDS named them).
stop_clickhouse_shards() {
  [ -z "${VPNPERF_CLICKHOUSE_SHARDS:-}" ] || return 0
  local i pid
  for i in 1 2; do
    pid="$DATA_DIR/clickhouse-shard$i/clickhouse.pid"
    if [ -f "$pid" ]; then kill "$(cat "$pid")" 2>/dev/null || true; fi
  done
}

# Applies the schema files of a directory (schema/clickhouse unless $2 names another) in order through the HTTP
# interface of the server and database $1 names (ConnectionStrings__ClickHouse by default); every statement there is
# idempotent (IF NOT EXISTS), so this runs on every start. One statement per request: the HTTP interface takes one query
# at a time.
apply_clickhouse_schema() {
  local url=${1:-$ConnectionStrings__ClickHouse} schema_dir=${2:-$REPO_ROOT/schema/clickhouse}
  local base=${url%/*} db=${url##*/}
  [ -n "$db" ] || die "a ClickHouse connection string must end with /<database>"
  curl -fsS --data-binary "CREATE DATABASE IF NOT EXISTS $db" "$base/" >/dev/null || die "cannot reach ClickHouse at $base"
  local f stmt
  for f in "$schema_dir"/*.sql; do
    [ -e "$f" ] || continue
    # Statements end with ';' at the end of a line; comments start with '--'.
    while IFS= read -r -d $'\x1e' stmt; do
      [ -n "$(printf '%s' "$stmt" | tr -d '[:space:]')" ] || continue
      curl -fsS --data-binary "$stmt" "$base/?database=$db" >/dev/null 2>"$DATA_DIR/ch-error.txt" || {
        curl -sS --data-binary "$stmt" "$base/?database=$db" >&2 || true
        die "ClickHouse rejected a statement of $(basename "$f")"
      }
    done < <(grep -v '^\s*--' "$f" | sed 's/;\s*$/;\x1e/')
  done
}

# The capturing SMTP server of tests/infra/smtp_capture.py (aiosmtpd): every message it accepts lands in the maildir
# .data/mail (new/ holds one file per message). Exports VPNPERF_SMTP (host:port) and VPNPERF_SMTP_MAILDIR.
start_smtp() {
  reserve_ports "$SMTP_PORT"
  local dir="$DATA_DIR/mail"
  mkdir -p "$dir"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
    log "starting the capturing SMTP server on 127.0.0.1:$SMTP_PORT (mail lands in $dir/new)"
    # Debian's interpreter: the python3 first on PATH may lack Debian's aiosmtpd.
    setsid /usr/bin/python3 "$REPO_ROOT/tests/infra/smtp_capture.py" "127.0.0.1:$SMTP_PORT" "$dir" \
      >"$dir/smtp.log" 2>&1 </dev/null &
    echo $! >"$dir/smtp.pid"
  fi
  for _ in $(seq 1 60); do
    (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && break
    sleep 0.25
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null || die "the SMTP server did not answer on 127.0.0.1:$SMTP_PORT (see $dir/smtp.log)"
  export VPNPERF_SMTP="127.0.0.1:$SMTP_PORT" VPNPERF_SMTP_MAILDIR="$dir"
}

build_solution() {
  log "building (Release)"
  dotnet build "$REPO_ROOT/Vpn.Perf.sln" -c Release -nologo -clp:ErrorsOnly -v:q
}

apply_postgres_schema() {
  dotnet "$REPO_ROOT/artifacts/bin/Vpn.Perf.Api/release/Vpn.Perf.Api.dll" migrate "$REPO_ROOT/schema/postgres"
}

# Everything both commands share: packages, servers, schema, build.
setup_all() {
  mkdir -p "$DATA_DIR"
  install_packages
  if [ "$LOCAL_PG" = 1 ]; then start_postgres; fi
  if [ "$LOCAL_REDIS" = 1 ]; then start_redis; fi
  if [ "$LOCAL_CH" = 1 ]; then start_clickhouse; fi
  if [ "$LOCAL_SMTP" = 1 ]; then start_smtp; fi
  apply_clickhouse_schema
  build_solution
  apply_postgres_schema
}

# Stops the servers this script started (used by Ctrl-C in run.sh and by `test.sh --stop`).
stop_servers() {
  if [ "$LOCAL_CH" = 1 ] && [ -f "$DATA_DIR/clickhouse/clickhouse.pid" ]; then
    kill "$(cat "$DATA_DIR/clickhouse/clickhouse.pid")" 2>/dev/null || true
  fi
  if [ "$LOCAL_REDIS" = 1 ]; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true; fi
  if [ "$LOCAL_SMTP" = 1 ] && [ -f "$DATA_DIR/mail/smtp.pid" ]; then
    kill "$(cat "$DATA_DIR/mail/smtp.pid")" 2>/dev/null || true
    rm -f "$DATA_DIR/mail/smtp.pid"
  fi
  if [ "$LOCAL_PG" = 1 ] && [ -f "$DATA_DIR/pg/PG_VERSION" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DATA_DIR/pg" -m fast stop >/dev/null 2>&1 || true
  fi
}
