#!/usr/bin/env bash
# Installs what the browser build and its tests need (idempotent): Debian's Emscripten,
# Chromium (headless tests), sox (cuts the demo clips), Node/npm; fetches Dear ImGui and
# KissFFT from Debian's source packages into third_party/ (git-ignored); `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

packages=(emscripten chromium sox libsox-fmt-all nodejs dpkg-dev xz-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm ships with NodeSource's nodejs; Debian's own npm package only where it is missing.
command -v npm >/dev/null || missing+=(npm)
apt=(apt-get -o DPkg::Lock::Timeout=900)  # other jobs may hold the dpkg lock for a while
if ((${#missing[@]})); then
  echo "setup_web: installing ${missing[*]}"
  $SUDO "${apt[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Source packages: add a deb-src entry mirroring the binary sources (same URIs/suites).
if [[ ! -f third_party/imgui/imgui.cpp || ! -f third_party/kissfft/kiss_fft.c ]]; then
  src_list=/etc/apt/sources.list.d/debian-src.sources
  if [[ ! -f $src_list ]]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $SUDO tee "$src_list" >/dev/null
    $SUDO "${apt[@]}" update -qq
  fi
  if ! ls /var/lib/apt/lists/*_source_Sources* >/dev/null 2>&1; then $SUDO "${apt[@]}" update -qq; fi
  rm -rf third_party/src && mkdir -p third_party/src
  (cd third_party/src && apt-get source --download-only -qq imgui kissfft 2>&1 | grep -v unsandboxed || true)
  for pkg in imgui kissfft; do
    orig=$(ls third_party/src/${pkg}_*.orig.tar.* | head -n1)
    rm -rf "third_party/$pkg" && mkdir -p "third_party/$pkg"
    tar -xf "$orig" -C "third_party/$pkg" --strip-components=1
  done
fi
test -f third_party/imgui/imgui.cpp && test -f third_party/imgui/backends/imgui_impl_glfw.cpp
test -f third_party/kissfft/kiss_fftr.c

# --ignore-scripts: onnxruntime-node's install script would fetch CUDA libraries from the
# network; its CPU binaries are in the npm package itself.
if [[ ! -d node_modules/playwright-core || ! -d node_modules/onnxruntime-node || ! -d node_modules/onnxruntime-web ||
      ! -d node_modules/fflate ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
