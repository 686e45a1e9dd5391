#!/bin/bash
# Fetches freely licensed, mastered game music from Debian packages into
# DEST/music/<package>/ and writes DEST/music/index.tsv (path, package, seconds, split).
#
#   scripts/fetch_music.sh [DEST]          DEST defaults to data (git-ignored)
#   PACKAGES="wesnoth-1.16-music naev-data" scripts/fetch_music.sh
#   KEEP_DEBS=1 ...                        keep the downloaded .deb files in DEST/debs
#
# Runs from the repository root, so a relative DEST is relative to it and so are the
# index paths. Idempotent: a package whose DEST/music/<package>/.done exists is skipped.
# Only files of at least MIN_SECONDS (30) are kept, which drops jingles and effects.
# Needs `apt-get update` once (done here when apt has no package lists).
# See /work/shared/data/README.md for the packages and their licenses: the audio must
# never be committed.
set -euo pipefail

cd "$(dirname "$0")/.."
DEST="${1:-data}"
MIN_SECONDS="${MIN_SECONDS:-30}"
INDEXER=/usr/bin/python3
HELPER=scripts/music_index.py

# Default set: about 1.4 GB of downloads, ~13 h of music in varied genres and loudness
# (orchestral, electronic, rock, ambient; median -10 to -19.5 LUFS).
DEFAULT_PACKAGES="wesnoth-1.16-music naev-data supertux-data hedgewars-data singularity-music
freedroidrpg-data drascula-music trackballs-data openclonk-data enigma-data wizznic-data
amoebax-data hyperrogue-music"
PACKAGES="${PACKAGES:-$DEFAULT_PACKAGES}"

# Where each package keeps its music (paths inside the package). A package not listed
# here is searched for audio under any directory whose path contains "music".
music_dirs() {
  case "$1" in
    wesnoth-1.16-music) echo usr/share/games/wesnoth/1.16/data/core/music ;;
    naev-data)          echo usr/share/naev/dat/snd/music ;;
    supertux-data)      echo usr/share/games/supertux2/music ;;
    hedgewars-data)     echo usr/share/games/hedgewars/Data/Music ;;
    singularity-music)  echo usr/share/games/singularity/music ;;
    freedroidrpg-data)  echo usr/share/freedroidrpg/data/sound/music ;;
    drascula-music)     echo usr/share/scummvm/drascula/audio ;;
    trackballs-data)    echo usr/share/games/trackballs/music ;;
    openclonk-data)     echo usr/share/games/openclonk/Music.ocg ;;
    enigma-data)        echo usr/share/games/enigma/music ;;
    wizznic-data)       echo usr/share/games/wizznic/packs/000_wizznic/music ;;
    amoebax-data)       echo usr/share/games/amoebax/music ;;
    hyperrogue-music)   echo usr/share/hyperrogue/music ;;
    *)                  echo "" ;;
  esac
}

if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  apt-get update
fi

mkdir -p "$DEST/debs" "$DEST/music"
debs_dir="$(cd "$DEST/debs" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for pkg in $PACKAGES; do
  out="$DEST/music/$pkg"
  if [[ -e "$out/.done" ]]; then
    echo "$pkg: already there"
    continue
  fi
  deb="$(ls "$debs_dir/${pkg}"_*.deb 2>/dev/null | head -n1 || true)"
  if [[ -z "$deb" ]]; then
    echo "$pkg: downloading $(apt-cache show "$pkg" | awk '/^Size:/ {printf "%.0f MB", $2/1e6; exit}')"
    (cd "$debs_dir" && apt-get download -q "$pkg" 2>&1 | grep -v unsandboxed || true)
    deb="$(ls "$debs_dir/${pkg}"_*.deb 2>/dev/null | head -n1 || true)"
    [[ -n "$deb" ]] || { echo "$pkg: download failed" >&2; exit 1; }
  fi

  rm -rf "$work/x" && mkdir -p "$work/x"
  dpkg -x "$deb" "$work/x"
  dirs="$(music_dirs "$pkg")"
  if [[ -n "$dirs" ]]; then
    find_roots=()
    for d in $dirs; do find_roots+=("$work/x/$d"); done
    list_audio() { find "${find_roots[@]}" -type f -print0; }
  else
    list_audio() { find "$work/x" -type f -ipath '*music*' -print0; }
  fi

  rm -rf "$out" && mkdir -p "$out"
  kept=0 skipped=0
  while IFS= read -r -d '' f; do
    case "${f,,}" in *.ogg|*.oga|*.opus|*.mp3|*.flac|*.wav) ;; *) continue ;; esac
    secs="$("$INDEXER" "$HELPER" seconds "$f")"
    if awk -v s="$secs" -v m="$MIN_SECONDS" 'BEGIN {exit !(s < m)}'; then
      skipped=$((skipped + 1))
      continue
    fi
    # Flatten sub-folders into the name (supertux keeps songs in forest/, antarctic/, ...)
    # and keep names shell- and TSV-friendly.
    rel="${f#"$work/x/"}"
    for d in $dirs; do rel="${rel#"$d/"}"; done
    name="$(printf '%s' "$rel" | tr '/ \t' '___' | tr -cd 'A-Za-z0-9._+-')"
    cp "$f" "$out/$name"
    kept=$((kept + 1))
  done < <(list_audio | sort -z)
  rm -rf "$work/x"
  touch "$out/.done"
  echo "$pkg: kept $kept songs, skipped $skipped shorter than ${MIN_SECONDS}s"
  [[ "${KEEP_DEBS:-0}" == 1 ]] || rm -f "$deb"
done

"$INDEXER" "$HELPER" build "$DEST/music" "$DEST/music/index.tsv"
