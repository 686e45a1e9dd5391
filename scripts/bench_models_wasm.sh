#!/usr/bin/env bash
# Builds tests/bench_wasm/models_wasm_bench.cpp with Emscripten (-O3 -msimd128, one thread) and
# runs it under Node: Φ + white-box Ψ inference time on a 30 s excerpt, as in the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
mkdir -p build-web/bench
em++ -std=c++20 -O3 -msimd128 -Iwasm -include wasm/app/compat_emscripten.h \
  tests/bench_wasm/models_wasm_bench.cpp wasm/nn/*.cpp wasm/models/encoder.cpp wasm/models/converter.cpp \
  wasm/models/conv_unit.cpp -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=node -sSINGLE_FILE=1 -o build-web/bench/models_wasm_bench.cjs
node build-web/bench/models_wasm_bench.cjs
