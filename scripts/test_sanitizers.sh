#!/usr/bin/env bash
# The native library and its unit tests once more, built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/), and run. Any finding fails the run; the only
# suppressions are for system libraries, each with its reason, in tests/sanitizers/.
# Usage: scripts/test_sanitizers.sh [ctest arguments, e.g. -R Finalize]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DITO_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitizers/ubsan.supp"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp"
# The sanitized itomaster for the CLI tests (they run the real executable).
export ITOMASTER="$PWD/build-asan/itomaster"
ctest --test-dir build-asan --output-on-failure -j"$jobs" "$@"
