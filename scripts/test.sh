#!/usr/bin/env bash
# The test suite with a real PostgreSQL server: starts a throwaway one (scripts/pg.sh), exports
# SMART_ACCOUNTS_PG for the PostgreSQL tests of smart-accounts-store, runs
# `cargo test --workspace --all-features` with this script's arguments, stops the server on the
# way out (also on failure or Ctrl-C) and exits with cargo's status.
#
#   scripts/test.sh                          # everything
#   scripts/test.sh -p smart-accounts-store  # the storage crate only
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/pg.sh start)"
cleanup() { scripts/pg.sh stop "$SMART_ACCOUNTS_PG_DIR" || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
cargo test --workspace --all-features "$@" || status=$?
exit "$status"
