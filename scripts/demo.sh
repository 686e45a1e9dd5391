#!/usr/bin/env bash
# Sets up, builds, and masters the demo pair: a quiet ambient track (enigma-data) mastered
# toward a loud electronic one (amoebax-data), both freely licensed music from Debian's
# archive (see /usr/share/doc/<package>/copyright after install, or the .deb's copyright
# file). Prints the metrics and the chain settings; the master lands in out/demo_master.wav.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target itomaster
PACKAGES="amoebax-data enigma-data" bash scripts/fetch_music.sh data >/dev/null
input=data/music/enigma-data/game_in_space.ogg
reference=data/music/amoebax-data/PenBackground.ogg
mkdir -p out
build/itomaster master --input "$input" --reference "$reference" --output out/demo_master.wav \
  --force --params-out out/demo_params.json
build/itomaster analyze "$input"
build/itomaster analyze "$reference"
build/itomaster analyze out/demo_master.wav
echo "master: out/demo_master.wav   settings: out/demo_params.json"
