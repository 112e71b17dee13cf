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
passed=$(grep -oE 'Passed:\s+[0-9]+' "$DATA_DIR/test-output.txt" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed:\s+[0-9]+' "$DATA_DIR/test-output.txt" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped:\s+[0-9]+' "$DATA_DIR/test-output.txt" | awk '{s+=$2} END {print s+0}')
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
