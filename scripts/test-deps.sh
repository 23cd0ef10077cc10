#!/usr/bin/env bash
# Makes sure what the tests need is there: PostgreSQL answering on
# 127.0.0.1:5432 (started if it is installed but stopped), and Debian's
# Chromium for the browser tests (installed when missing). Fails loudly
# rather than letting half the tests skip.
set -euo pipefail

pg_url=${PCCOVID_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    echo "test-deps: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! psql "$pg_url" -qtAc 'select 1' >/dev/null 2>&1; then
  echo "test-deps: PostgreSQL is unreachable at $pg_url; the tests need it (set PCCOVID_TEST_POSTGRES)" >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1 && [ -z "${PCCOVID_CHROMIUM:-}" ]; then
  echo "test-deps: installing Chromium for the browser tests" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
command -v chromium >/dev/null 2>&1 || [ -n "${PCCOVID_CHROMIUM:-}" ] || { echo "test-deps: Chromium missing" >&2; exit 1; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "test-deps: Node.js and npm are needed for the independent certificate verifier test" >&2
  exit 1
fi
echo "test-deps: PostgreSQL, Chromium and Node.js are ready" >&2
