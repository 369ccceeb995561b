#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ and prints, per target, the executions,
# executions per second and coverage libFuzzer reached.
#
#   scripts/fuzz.sh smoke [SECONDS]            every target SECONDS each (default 20): CI
#   scripts/fuzz.sh run [SECONDS] [TARGET...]  long runs (default 600 s each, all targets)
#   scripts/fuzz.sh list                       the target names
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). RUSTC_BOOTSTRAP=1 lets the
# stable toolchain take the nightly-only flags cargo-fuzz passes. Each target
# keeps its growing corpus in fuzz/corpus/<target> (not committed), started
# from the committed seeds in fuzz/seeds/<target>. Crashes land in
# fuzz/artifacts/<target>/; reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> fuzz/artifacts/<target>/<file>
#
# Environment: FUZZ_SANITIZER (default `none`: the crate has no unsafe code,
# so AddressSanitizer adds cost and little else; `address` works too),
# CARGO_TARGET_DIR. For parallel long runs start one `run` per target.
# Exit status: 0 when no target crashed, 1 otherwise, 2 on bad usage.
set -euo pipefail

cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-none}"

targets() { sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^snap-bi-fuzz$'; }

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

mode="${1:-}"
case "$mode" in
  list) targets; exit 0 ;;
  smoke) seconds="${2:-20}"; shift $(( $# < 2 ? $# : 2 )); selected=() ;;
  run) seconds="${2:-600}"; shift $(( $# < 2 ? $# : 2 )); selected=("$@") ;;
  *) usage ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
if [ "${#selected[@]}" -eq 0 ]; then mapfile -t selected < <(targets); fi

start=$(date +%s)
cargo fuzz build -s "$sanitizer" >&2

mkdir -p fuzz/logs
failed=0
printf '%-16s %12s %10s %8s %8s %8s  %s\n' target executions exec/s cov ft corpus result
for target in "${selected[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  seeds=()
  [ -d "fuzz/seeds/$target" ] && seeds=("fuzz/seeds/$target")
  log="fuzz/logs/$target.log"
  result=ok
  if ! cargo fuzz run -s "$sanitizer" "$target" "$corpus" "${seeds[@]}" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="fuzz/artifacts/$target/" \
      >"$log" 2>&1; then
    result="CRASH (see $log)"
    failed=1
  fi
  # The last status line (`#N ... cov: C ft: F corp: K/...`) and the final stats.
  status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
  printf '%-16s %12s %10s %8s %8s %8s  %s\n' "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
echo "wall time: $(( $(date +%s) - start )) s (build included)"
exit "$failed"
