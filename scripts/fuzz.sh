#!/usr/bin/env bash
# Runs every fuzz target for a given number of seconds each (default 60), installing cargo-fuzz
# when it is missing. Needs a nightly toolchain. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
fi
mkdir -p fuzz/corpus
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  # Seed corpora: the fixture directory as a snapshot, so mutations start from a valid one.
  if [ -d "fuzz/seeds/$t" ]; then
    cp -n fuzz/seeds/"$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
  fi
  echo "== fuzz $t for ${seconds}s"
  (cd fuzz && cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 2>&1) \
    | tee "fuzz/last-$t.log" | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|Done)" || true
  if grep -qE "(panicked|ERROR: libFuzzer|SUMMARY: )" "fuzz/last-$t.log"; then
    echo "fuzz target $t found a problem; see fuzz/last-$t.log and fuzz/artifacts/$t" >&2
    exit 1
  fi
done
