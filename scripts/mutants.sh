#!/usr/bin/env bash
# Mutation testing of src/ with cargo-mutants (installed when missing): every surviving mutant
# is a behaviour no test pins down. Usage: scripts/mutants.sh [extra cargo-mutants args,
# e.g. --file src/check.rs or --shard 0/4]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-mutants >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi
PROPTEST_CASES="${PROPTEST_CASES:-64}" cargo mutants --all-features --timeout-multiplier 3 "$@"
