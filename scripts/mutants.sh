#!/usr/bin/env bash
# Mutation testing of src/ with cargo-mutants (installed when missing): every surviving mutant
# is a behaviour no test pins down. Runs at the lowest CPU priority, with PROPTEST_CASES=32 so
# each mutant's test run stays short. Results land in mutants.out/ (git-ignored).
# Git-ignored files (fuzz corpora, targets) are not copied to its build directory.
# Usage: scripts/mutants.sh [extra cargo-mutants args, e.g. --file src/check.rs or --shard 0/4]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi
PROPTEST_CASES="${PROPTEST_CASES:-32}" nice -n 19 cargo mutants --all-features \
  --gitignore true --timeout-multiplier 3 "$@"
