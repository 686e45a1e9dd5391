#!/usr/bin/env bash
# Installs the Debian packages the native build and the tests need (idempotent).
set -euo pipefail
packages=(cmake g++ make pkg-config googletest libgtest-dev libbenchmark-dev libkissfft-dev
          libsndfile1-dev libsamplerate0-dev libebur128-dev python3-numpy python3-scipy
          python3-torch clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
