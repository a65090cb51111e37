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
"$BIN/python" -m pytest "${@:2}"
