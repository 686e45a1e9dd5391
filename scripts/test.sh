#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, gradient checks, CLI, sanitizers, fuzzing,
# browser). Used by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Web setup first: npm ci brings onnxruntime-node, which the ONNX parity test needs.
bash scripts/setup_web.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
# The same unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/).
bash scripts/test_sanitizers.sh
# Every libFuzzer target for 30 s (clang, build-fuzz/): any crash, leak or hang fails.
bash scripts/fuzz.sh 30
# The browser studio: Emscripten build, then end-to-end tests in headless Chromium.
bash scripts/build_web.sh
node --test tests/browser/
