#!/bin/bash
# Renders the General MIDI songs shipped in Debian packages to unmastered stereo mixes:
# 44.1 kHz 16-bit WAV under DEST/midi/<package>/, indexed in DEST/midi/index.tsv
# (path, package, seconds, split; the same whole-song split rule as fetch_music.sh).
#
#   scripts/render_midi.sh [DEST]          DEST defaults to data (git-ignored)
#   SOUNDFONT=/usr/share/sounds/sf2/TimGM6mb.sf2 scripts/render_midi.sh   smaller, rougher
#   PACKAGES="simutrans-data" GAIN=0.3 ...
#
# Installs fluidsynth and fluid-soundfont-gm (FluidR3_GM, 120 MB download) with apt-get
# when missing. No limiting or normalization: fluidsynth's output at a fixed, modest
# gain is the "mix". Renders are cut to MAX_SECONDS (300, with a 2 s fade-out: the
# planetblupi songs loop for ~25 min); one that clips is redone at half the gain;
# renders shorter than MIN_SECONDS (20) are dropped (freedink ships short jingles).
# Idempotent: a package whose DEST/midi/<package>/.done exists is skipped.
set -euo pipefail

cd "$(dirname "$0")/.."
DEST="${1:-data}"
MIN_SECONDS="${MIN_SECONDS:-20}"
MAX_SECONDS="${MAX_SECONDS:-300}"
GAIN="${GAIN:-0.2}"
SOUNDFONT="${SOUNDFONT:-/usr/share/sounds/sf2/FluidR3_GM.sf2}"
PACKAGES="${PACKAGES:-planetblupi-music-midi simutrans-data openttd-openmsx freedink-data}"
INDEXER=/usr/bin/python3
HELPER=scripts/music_index.py

SUDO=""
[[ "$(id -u)" == 0 ]] || SUDO=sudo
install_if_missing() {  # $1 = file that proves the package is there, $2 = package
  if [[ ! -e "$1" ]]; then
    ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2"
  fi
}
install_if_missing /usr/bin/fluidsynth fluidsynth
case "$SOUNDFONT" in
  */FluidR3_GM.sf2) install_if_missing "$SOUNDFONT" fluid-soundfont-gm ;;
  */TimGM6mb.sf2)   install_if_missing "$SOUNDFONT" timgm6mb-soundfont ;;
esac
[[ -e "$SOUNDFONT" ]] || { echo "no soundfont at $SOUNDFONT" >&2; exit 1; }

# Where each package keeps its MIDI files (paths inside the package).
midi_dir() {
  case "$1" in
    planetblupi-music-midi) echo usr/share/planetblupi/music ;;
    simutrans-data)         echo usr/share/games/simutrans/music ;;
    openttd-openmsx)        echo usr/share/games/openttd/baseset/openmsx ;;
    freedink-data)          echo usr/share/games/dink/dink/Sound ;;
    *)                      echo usr/share ;;
  esac
}

render() {  # $1 = midi, $2 = wav, $3 = gain
  fluidsynth -q -ni -r 44100 -g "$3" -T wav -O s16 -F "$2" "$SOUNDFONT" "$1" >/dev/null 2>&1
  "$INDEXER" "$HELPER" trim "$2" "$MAX_SECONDS"
}

mkdir -p "$DEST/debs" "$DEST/midi"
debs_dir="$(cd "$DEST/debs" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for pkg in $PACKAGES; do
  out="$DEST/midi/$pkg"
  if [[ -e "$out/.done" ]]; then
    echo "$pkg: already rendered"
    continue
  fi
  deb="$(ls "$debs_dir/${pkg}"_*.deb 2>/dev/null | head -n1 || true)"
  if [[ -z "$deb" ]]; then
    (cd "$debs_dir" && apt-get download -q "$pkg" 2>&1 | grep -v unsandboxed || true)
    deb="$(ls "$debs_dir/${pkg}"_*.deb 2>/dev/null | head -n1 || true)"
    [[ -n "$deb" ]] || { echo "$pkg: download failed" >&2; exit 1; }
  fi
  rm -rf "$work/x" && mkdir -p "$work/x"
  dpkg -x "$deb" "$work/x"

  mkdir -p "$out"
  kept=0 short=0
  while IFS= read -r -d '' mid; do
    name="$(basename "$mid")"
    name="${name%.*}"
    name="$(printf '%s' "$name" | tr ' \t' '__' | tr -cd 'A-Za-z0-9._+-').wav"
    part="$work/render.wav"
    gain="$GAIN"
    render "$mid" "$part" "$gain"
    while awk -v p="$("$INDEXER" "$HELPER" peak "$part")" 'BEGIN {exit !(p >= 0.999)}'; do
      gain="$(awk -v g="$gain" 'BEGIN {print g / 2}')"
      echo "  $name clipped, rendering again at gain $gain"
      render "$mid" "$part" "$gain"
    done
    secs="$("$INDEXER" "$HELPER" seconds "$part")"
    if awk -v s="$secs" -v m="$MIN_SECONDS" 'BEGIN {exit !(s < m)}'; then
      short=$((short + 1))
      continue
    fi
    mv "$part" "$out/$name"
    kept=$((kept + 1))
  done < <(find "$work/x/$(midi_dir "$pkg")" -type f \( -iname '*.mid' -o -iname '*.midi' \) -print0 | sort -z)
  rm -rf "$work/x"
  touch "$out/.done"
  echo "$pkg: rendered $kept songs, dropped $short shorter than ${MIN_SECONDS}s"
done

"$INDEXER" "$HELPER" build "$DEST/midi" "$DEST/midi/index.tsv"
