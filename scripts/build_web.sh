#!/usr/bin/env bash
# Builds the browser studio into build-web/site/ (static: HTML, JS, WASM, demo clips,
# icons, service worker). Needs scripts/setup_web.sh first.
#   ITO_WEB_UI=OFF bash scripts/build_web.sh   builds without the Dear ImGui UI (the page
#                                              then shows its plain HTML controls)
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs          # Debian emscripten's JS optimizer needs acorn
# Debian's emscripten ships a complete, frozen (read-only) cache of system libraries in
# /usr/share/emscripten/cache and refuses to build into another one, so EM_CACHE is left
# at that default: nothing is written there.
jobs=$(nproc); ((jobs > 2)) && jobs=2 || true
site=build-web/site

configure_and_build() {
  emcmake cmake -S . -B build-web -DCMAKE_BUILD_TYPE=Release -DITO_WEB_UI="$1" >/dev/null
  cmake --build build-web -j"$jobs" --target site
}
ui="${ITO_WEB_UI:-ON}"
configure_and_build "$ui"  # a UI that fails to build fails the build (and CI)
echo "$ui" > "$site/ui.txt"

# --- Demo pair: ~25 s clips cut from two freely licensed Debian packages -------------
KEEP_DEBS=1 PACKAGES="amoebax-data enigma-data" bash scripts/fetch_music.sh data >/dev/null
mkdir -p "$site/demo"
clip() {  # src dest start_s seconds
  [[ -s "$2" && "$2" -nt "$1" ]] && return 0
  sox -q "$1" -r 44100 -c 2 -C 5 "$2" trim "$3" "$4" fade t 0.05 0 0.5
}
clip data/music/enigma-data/game_in_space.ogg "$site/demo/input.ogg" 40 25
clip data/music/amoebax-data/PenBackground.ogg "$site/demo/reference.ogg" 20 25

# Attribution: the packages' own copyright files.
attribution="$site/ATTRIBUTION"
{
  cat web/ATTRIBUTION
  echo
  echo "==== Dear ImGui: LICENSE.txt ===="
  cat third_party/imgui/LICENSE.txt
  echo
  echo "==== KissFFT: COPYING and LICENSES/BSD-3-Clause ===="
  cat third_party/kissfft/COPYING third_party/kissfft/LICENSES/BSD-3-Clause
  echo
  echo "==== ONNX Runtime Web, the Emscripten runtime, musl libc ===="
  cat web/licenses/MIT.txt
  echo
  echo "==== fflate (the album's ZIP): LICENSE ===="
  cat node_modules/fflate/LICENSE
  for pkg in enigma-data amoebax-data; do
    deb=$(ls data/debs/${pkg}_*.deb 2>/dev/null | head -n1 || true)
    if [[ -z "$deb" ]]; then
      (cd data/debs && apt-get download -q "$pkg" >/dev/null 2>&1 || true)
      deb=$(ls data/debs/${pkg}_*.deb 2>/dev/null | head -n1 || true)
    fi
    echo
    echo "==== Debian package $pkg: /usr/share/doc/$pkg/copyright ===="
    if [[ -n "$deb" ]]; then
      dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/share/doc/$pkg/copyright"
    else
      echo "(not available offline: see https://packages.debian.org/bookworm/$pkg)"
    fi
  done
} > "$attribution.tmp" && mv "$attribution.tmp" "$attribution"

# --- Icons (PNG, generated) and the service worker's precache list ----------------------
# The learned models and the Fx-normalization statistics (fetched by the worker).
mkdir -p "$site/models" "$site/ort"
cp models/whitebox.itom models/blackbox.itom models/whitebox_encoder.onnx models/whitebox_converter.onnx models/fxnorm_stats.txt \
  "$site/models/"
# WGSL compute shaders (Ψ's backward pass on the GPU, web/gpu_backward.js).
mkdir -p "$site/shaders"
cp shaders/*.wgsl "$site/shaders/"
# ONNX Runtime Web from npm (never a CDN): its WebGPU build, which also runs the WASM backend.
ortdist=node_modules/onnxruntime-web/dist
cp "$ortdist/ort.webgpu.min.js" "$ortdist/ort-wasm-simd-threaded.asyncify.mjs" \
  "$ortdist/ort-wasm-simd-threaded.asyncify.wasm" "$site/ort/"
# fflate from npm: the album's ZIP export (web/album.js).
mkdir -p "$site/vendor"
cp node_modules/fflate/esm/browser.js "$site/vendor/fflate.js"
node web/tools/make_icons.mjs "$site"
node web/tools/precache_list.mjs "$site"
echo "build_web: site in $site (UI: $ui)"
du -sh "$site"
