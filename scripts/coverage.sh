#!/usr/bin/env bash
# Line coverage of src/ by the whole test suite, with cargo-llvm-cov (installed when missing).
# Usage: scripts/coverage.sh [extra cargo-llvm-cov args, e.g. --html]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-llvm-cov >/dev/null 2>&1; then
  rustup component add llvm-tools-preview
  cargo install --locked cargo-llvm-cov
fi
cargo llvm-cov --all-features --ignore-filename-regex '(tests|benches|examples|fuzz)/' --summary-only "$@"
