#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in build-fuzz/ and runs
# each for SECONDS (default 30) on a scratch copy of its seed corpus (the committed corpus
# never grows). Exits non-zero on any finding: crash, sanitizer report, leak, timeout, OOM.
# Findings are kept in build-fuzz/fuzz/findings/, logs in build-fuzz/fuzz/logs/.
#   usage: scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600 fuzz_settings_json
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
(($#)) && shift
bash scripts/setup.sh  # clang and its libFuzzer runtime among the packages

targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DITO_FUZZ=ON \
  -DITO_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

out=build-fuzz/fuzz
mkdir -p "$out/findings" "$out/logs"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Leaks inside Debian's libraries (not ours), each with its reason: tests/sanitizers/lsan.supp.
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  cp tests/fuzz/corpus/"$t"/* "$scratch/$t/"
  log="$out/logs/$t.log"
  echo "fuzz: $t for ${seconds} s"
  status=ok
  # -timeout: one input running 10 s is a hang; -rss_limit_mb: more than 2 GB is an OOM.
  if ! "$out/$t" "$scratch/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$out/findings/$t-" >"$log" 2>&1; then
    status=FINDING
    failed=1
    tail -n 40 "$log"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  summary+=("$(printf '%-22s %-8s %12s execs %8s exec/s' "$t" "$status" "${execs:-?}" "${rate:-?}")")
done

echo "fuzz: results (${seconds} s per target)"
printf '  %s\n' "${summary[@]}"
if ((failed)); then
  echo "fuzz: FINDINGS: see $out/findings/ and $out/logs/" >&2
fi
exit "$failed"
