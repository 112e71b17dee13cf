#!/usr/bin/env bash
# The README's first command: installs and starts Postgres, Redis, ClickHouse and a capturing SMTP server (unless
# connection settings point elsewhere), applies the schema, starts Ingest and Api, creates the demo
# operator/node/inbound/subscription, prints them and stays in the foreground. Ctrl-C stops everything
# it started. Idempotent: run it again and it reuses the data under .data/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

INGEST_PORT=${INGEST_PORT:-5280}
API_PORT=${API_PORT:-5281}
RUN_DIR="$DATA_DIR/run"
mkdir -p "$RUN_DIR"

stop_services() {
  local f
  for f in "$RUN_DIR"/*.pid; do
    [ -e "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}

shutdown() {
  trap - INT TERM EXIT
  log "stopping"
  stop_services
  stop_servers
  exit 0
}

# A previous run that was not stopped cleanly leaves its services behind: stop them first.
stop_services
setup_all

export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Production}
export Ingest__SpoolDirectory=${Ingest__SpoolDirectory:-$DATA_DIR/spool}
# The Api's JWT signing key: yours if set, else a random one made once and kept under .data/ (git-ignored).
if [ -z "${Auth__SigningKey:-}" ]; then
  [ -s "$DATA_DIR/api-signing.key" ] || (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$DATA_DIR/api-signing.key")
  Auth__SigningKey=$(cat "$DATA_DIR/api-signing.key")
  export Auth__SigningKey
fi
# The key that encrypts WireGuard peers' private keys at rest (docs/wireguard.md): the same, kept beside it.
if [ -z "${WireGuard__KeyEncryptionKey:-}" ]; then
  [ -s "$DATA_DIR/wireguard-kek.key" ] || (umask 077 && head -c 32 /dev/urandom | base64 -w0 >"$DATA_DIR/wireguard-kek.key")
  WireGuard__KeyEncryptionKey=$(cat "$DATA_DIR/wireguard-kek.key")
  export WireGuard__KeyEncryptionKey
fi
# Mail: your SMTP server if Mail__Smtp__Host is set, else the capturing server servers.sh started (or VPNPERF_SMTP).
if [ -z "${Mail__Smtp__Host:-}" ] && [ -n "${VPNPERF_SMTP:-}" ]; then
  export Mail__Smtp__Host=${VPNPERF_SMTP%:*} Mail__Smtp__Port=${VPNPERF_SMTP##*:} Mail__Smtp__Security=None
  export Mail__Smtp__From=${Mail__Smtp__From:-"Vpn.Perf demo <no-reply@vpnperf.localhost>"}
  MAIL_WHERE="captured by the test SMTP server $VPNPERF_SMTP${VPNPERF_SMTP_MAILDIR:+ in $VPNPERF_SMTP_MAILDIR/new (one file per message)}"
else
  MAIL_WHERE="sent through ${Mail__Smtp__Host:-nowhere (Mail__Smtp__Host unset: queued in mail_outbox)}"
fi
# Links in account mail (email verification, password reset) open Auth__PublicBaseUrl, the customers' web site; the
# demo has none, so they point at the Api and a link's token is POSTed by hand (printed below).
export Auth__PublicBaseUrl=${Auth__PublicBaseUrl:-http://127.0.0.1:$API_PORT}
# Config URLs as customers see them: the QR codes and the page a browser gets encode this base, never a Host header.
export Configs__PublicBaseUrl=${Configs__PublicBaseUrl:-http://127.0.0.1:$API_PORT}
dotnet "$REPO_ROOT/artifacts/bin/Vpn.Perf.Ingest/release/Vpn.Perf.Ingest.dll" --urls "http://127.0.0.1:$INGEST_PORT" \
  >"$RUN_DIR/ingest.log" 2>&1 &
echo $! >"$RUN_DIR/ingest.pid"
dotnet "$REPO_ROOT/artifacts/bin/Vpn.Perf.Api/release/Vpn.Perf.Api.dll" --urls "http://127.0.0.1:$API_PORT" \
  >"$RUN_DIR/api.log" 2>&1 &
echo $! >"$RUN_DIR/api.pid"
trap shutdown INT TERM EXIT

for svc in "ingest:$INGEST_PORT" "api:$API_PORT"; do
  name=${svc%%:*}; port=${svc##*:}
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null || { tail -n 30 "$RUN_DIR/$name.log" >&2; die "$name exited"; }
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || die "$name did not answer /healthz on 127.0.0.1:$port (see $RUN_DIR/$name.log)"
done

dotnet "$REPO_ROOT/artifacts/bin/Vpn.Perf.Api/release/Vpn.Perf.Api.dll" seed-demo \
  "http://127.0.0.1:$INGEST_PORT" "http://127.0.0.1:$API_PORT" "$DATA_DIR/demo.env"

log "mail (verification, password reset) is $MAIL_WHERE"
log "its links open $Auth__PublicBaseUrl/verify-email#token=... and .../reset-password#token=...; use a token with" \
  "curl -sS -H 'Content-Type: application/json' -d '{\"token\":\"...\"}' http://127.0.0.1:$API_PORT/api/v1/auth/verify-email"
log "Ingest http://127.0.0.1:$INGEST_PORT  Api http://127.0.0.1:$API_PORT  logs in $RUN_DIR  (Ctrl-C stops everything)"
wait
