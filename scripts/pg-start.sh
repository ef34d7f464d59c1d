#!/usr/bin/env bash
# Source this file: starts a throwaway PostgreSQL 15 server for the tests and
# exports JHMIG_TEST_PG_URL. The server refuses to run as root, so as root it
# runs as the 'postgres' user. Installs Debian's postgresql package when the
# binaries are missing and we are root (CI on a clean machine).
# The server is stopped by jhmig_pg_stop (scripts/test.sh calls it on exit).

jhmig_pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

jhmig_pg_start() {
  local bin
  if ! bin=$(jhmig_pg_bin); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "[pg] installing Debian's postgresql package" >&2
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
      bin=$(jhmig_pg_bin) || return 1
    else
      echo "[pg] PostgreSQL binaries not found and not root: PostgreSQL tests will skip" >&2
      return 1
    fi
  fi
  local run_as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
    run_as=(runuser -u postgres --)
  fi
  JHMIG_PG_DIR=$(mktemp -d /tmp/jhmig-pg.XXXXXX)
  chmod 755 "$JHMIG_PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$JHMIG_PG_DIR"
  local port=${JHMIG_PG_PORT:-55432}
  while (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$((port + 1)); done
  "${run_as[@]}" "$bin/initdb" -D "$JHMIG_PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null || return 1
  "${run_as[@]}" "$bin/pg_ctl" -D "$JHMIG_PG_DIR/data" -l "$JHMIG_PG_DIR/server.log" -w \
    -o "-p $port -k $JHMIG_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null || { cat "$JHMIG_PG_DIR/server.log" >&2; return 1; }
  export JHMIG_PG_BIN=$bin JHMIG_PG_DIR
  export JHMIG_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "[pg] PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

jhmig_pg_stop() {
  [ -n "${JHMIG_PG_DIR:-}" ] || return 0
  local run_as=()
  [ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
  "${run_as[@]}" "$JHMIG_PG_BIN/pg_ctl" -D "$JHMIG_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$JHMIG_PG_DIR"
}
