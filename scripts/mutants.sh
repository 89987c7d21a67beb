#!/usr/bin/env bash
# Mutation testing of src/ with cargo-mutants (installed when missing): every surviving mutant
# is a behaviour no test pins down. Settings live in .cargo/mutants.toml (it builds and runs
# the integration-test binary only). Runs at the lowest CPU priority, with PROPTEST_CASES=8 so each
# mutant's test run stays short. Results land in mutants.out/ (git-ignored).
# Usage: scripts/mutants.sh [extra cargo-mutants args, e.g. --file src/roles/check.rs, --shard 0/4, -j 2]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi
PROPTEST_CASES="${PROPTEST_CASES:-8}" nice -n 19 cargo mutants "$@"
