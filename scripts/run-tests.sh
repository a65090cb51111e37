#!/usr/bin/env bash
# Starts PostgreSQL and checks for Chromium, runs the whole pytest suite, stops PostgreSQL.
set -euo pipefail
BIN="${1:-.venv/bin}"
env_lines=$(scripts/test-services.sh start)
while IFS= read -r line; do
  [ -n "$line" ] && export "$line"
done <<<"$env_lines"
trap 'scripts/test-services.sh stop' EXIT
[ -x /usr/bin/chromium ] && export CALLKEEP_TEST_CHROMIUM=/usr/bin/chromium
# One worker per core (pytest-xdist), each with its own PostgreSQL database, ports and temp
# folders; the long tests are stolen by idle workers. CALLKEEP_TEST_WORKERS=0 runs in one process.
"$BIN/python" -m pytest -n "${CALLKEEP_TEST_WORKERS:-auto}" --dist worksteal "${@:2}"
