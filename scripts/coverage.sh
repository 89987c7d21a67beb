#!/usr/bin/env bash
# Line coverage of src/ by the whole test suite, with cargo-llvm-cov (installed when missing),
# per file and in total. Runs at the lowest CPU priority. PROPTEST_CASES defaults to 64 here.
# Usage: scripts/coverage.sh [extra cargo-llvm-cov args, e.g. --html]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo llvm-cov --version >/dev/null 2>&1; then
  rustup component add llvm-tools-preview
  cargo install --locked cargo-llvm-cov
fi
# Anchored at the repository: an unanchored `fuzz/` would also match a checkout under
# `.../wt-fuzz/` and hide every file.
ignore="^$(pwd)/(tests|benches|examples|fuzz)/"
PROPTEST_CASES="${PROPTEST_CASES:-64}" nice -n 19 cargo llvm-cov --all-features \
  --ignore-filename-regex "$ignore" --summary-only "$@"
