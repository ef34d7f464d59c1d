#!/usr/bin/env bash
# Runs the whole test suite, as CI does: installs jhmig with its test extras,
# starts a throwaway PostgreSQL 15 server (installing Debian's package when
# missing and running as root), runs pytest, stops the server.
# Extra arguments go to pytest, e.g. scripts/test.sh -k manifest
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"

# The steward report is checked in a real browser (Debian's chromium).
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[test] installing Debian's chromium for the HTML report test" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
    || echo "[test] could not install chromium" >&2
fi

if [ -z "${JHMIG_TEST_PG_URL:-}" ]; then
  # shellcheck source=scripts/pg-start.sh
  source scripts/pg-start.sh
  if jhmig_pg_start; then
    trap jhmig_pg_stop EXIT
  elif [ -n "${CI:-}" ] || [ "$(id -u)" = 0 ]; then
    # CI runs as root on a clean machine: there the server can always be installed and
    # started, so a failure is an error - the PostgreSQL tests must not skip silently.
    echo "could not start PostgreSQL; the PostgreSQL tests must not skip in CI" >&2
    exit 1
  fi
fi

python3 -m pytest -n 2 --dist loadgroup "$@"
