#!/usr/bin/env bash
# Installs (as root, when missing) and starts what the test suite needs beside Python:
# a throwaway PostgreSQL cluster on loopback and Debian's Chromium for the browser tests.
# Prints the environment lines the suite reads; `stop` ends the cluster.
set -euo pipefail

PGPORT="${CALLKEEP_TEST_PGPORT:-54329}"
PGROOT="${CALLKEEP_TEST_PGROOT:-/tmp/callkeep-test-pg}"

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)

if [ "${1:-start}" = "stop" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$bin" ] && [ -d "$PGROOT/data" ]; then
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
    else "$bin/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true; fi
  fi
  exit 0
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${need_apt[*]} from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
  else
    echo "missing ${need_apt[*]}: install them with apt-get as root" >&2
  fi
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$bin" ]; then
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  if [ -f "$PGROOT/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$bin/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGROOT"
  mkdir -p "$PGROOT"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PGROOT"
  "${as_pg[@]}" "$bin/initdb" -D "$PGROOT/data" -U postgres --auth=trust --locale=C.UTF-8 \
    --encoding=UTF8 >"$PGROOT/initdb.log" 2>&1 \
    || "${as_pg[@]}" "$bin/initdb" -D "$PGROOT/data" -U postgres --auth=trust --locale=C \
      --encoding=UTF8 >"$PGROOT/initdb.log" 2>&1
  "${as_pg[@]}" "$bin/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PGPORT -c unix_socket_directories=$PGROOT \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null
  echo "CALLKEEP_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
fi
