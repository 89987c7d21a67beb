#!/usr/bin/env bash
# Runs every fuzz target (or the named ones) for a given number of seconds each (default 60),
# installing cargo-fuzz when it is missing. Runs at the lowest CPU priority with one job.
#
# By default the targets build on the current (stable) toolchain without a sanitizer and with
# debug assertions and overflow checks on (`-s none -a`): the crate forbids unsafe code, so
# AddressSanitizer finds nothing the Rust checks do not, and it costs over ten times the
# throughput (2,000 against 27,000 executions a second on snapshot_load). SANITIZER=address
# builds with AddressSanitizer instead, which needs a nightly toolchain.
# Extra libFuzzer flags: FUZZ_FLAGS="-runs=1000000".
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
# The fuzz crate builds into its own fuzz/target (instrumentation flags differ from normal
# builds); a CARGO_TARGET_DIR meant for the main crate would force a full rebuild elsewhere.
unset CARGO_TARGET_DIR
seconds="${1:-60}"
shift || true
sanitizer="${SANITIZER:-none}"
toolchain=()
if [ "$sanitizer" != none ]; then
  if ! cargo +nightly --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
  fi
  toolchain=(+nightly)
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi
fuzz=(cargo "${toolchain[@]}" fuzz)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && "${fuzz[@]}" list)
fi
# Build every target before the clocks start, so build time does not eat fuzzing time.
(cd fuzz && nice -n 19 "${fuzz[@]}" build -s "$sanitizer" -a)
mkdir -p fuzz/corpus
status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  # Seed corpora (e.g. the fixture directory as a snapshot), so mutations start from valid input.
  if [ -d "fuzz/seeds/$t" ]; then
    cp -n fuzz/seeds/"$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
  fi
  echo "== fuzz $t for ${seconds}s"
  # shellcheck disable=SC2086
  (cd fuzz && nice -n 19 "${fuzz[@]}" run -s "$sanitizer" -a "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_FLAGS:-} 2>&1) \
    > "fuzz/last-$t.log" || true
  grep -E "^stat::number_of_executed_units|^Done [0-9]+ runs" "fuzz/last-$t.log" || true
  if grep -qE "(panicked|ERROR: libFuzzer|SUMMARY: |deadly signal)" "fuzz/last-$t.log"; then
    echo "fuzz target $t found a problem; see fuzz/last-$t.log and fuzz/artifacts/$t" >&2
    grep -E "panicked|SUMMARY" "fuzz/last-$t.log" | head -5 >&2 || true
    status=1
  fi
done
exit "$status"
