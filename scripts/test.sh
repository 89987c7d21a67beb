#!/usr/bin/env bash
# The test suite with a real PostgreSQL server: starts a throwaway one (scripts/pg.sh), exports
# SMART_ACCOUNTS_PG for the PostgreSQL tests of smart-accounts-store, runs
# `cargo test --workspace --all-features` with this script's arguments (without `--workspace`
# when they choose a package with -p), stops the server on the
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

# `--workspace` would override a package chosen with -p/--package: leave it out then.
scope=(--workspace)
for arg in "$@"; do
  case "$arg" in
    --) break ;;
    -p | -p* | --package | --package=*) scope=() ;;
  esac
done

status=0
cargo test "${scope[@]}" --all-features "$@" || status=$?
exit "$status"
