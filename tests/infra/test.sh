#!/usr/bin/env bash
# The README's test command: the same set-up as run.sh (packages, servers, schema, build), then the
# whole test suite against the real Postgres, Redis and ClickHouse. Idempotent.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

setup_all
log "running the test suite"
# No build here: setup_all built the solution in Release.
set +e
dotnet test "$REPO_ROOT/Vpn.Perf.sln" -c Release --no-build -nologo -v:q \
  --logger "console;verbosity=normal" -- RunConfiguration.TestSessionTimeout=3000000 2>&1 \
  | tee "$DATA_DIR/test-output.txt" | grep -vE '^\s+Passed '
status=${PIPESTATUS[0]}
set -e
# One closing line in the plain form CI reads: 'N passed, N failed'.
count() { awk -v k="$1" '$1 == k":" { s += $2 } END { print s + 0 }' "$DATA_DIR/test-output.txt"; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
