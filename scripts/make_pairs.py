#!/usr/bin/python3
"""Writes (input, reference) pairs for evaluation from one split, VAL by default (stdlib only).

  scripts/make_pairs.py [--music-index data/music/index.tsv] [--midi-index data/midi/index.tsv]
                        [--n 12] [--seed 1] [--split val] [--out pairs.tsv]

--split train makes tuning pairs (for choosing ITO defaults) from training songs, so the
validation pairs stay unseen by every choice.

Columns: input, reference, input_kind ("mastered": a game track from the music index;
"unmastered": a MIDI render from the midi index). About half the inputs are of each
kind (all mastered when there is no midi index). References are always mastered game
tracks, taken in turn from packages ordered loud, quiet, loud, ... (by the median
loudness in /work/shared/data/README.md), so they span different loudness. The input
and the reference are always different songs, and a mastered input comes from another
package than its reference whenever possible; songs are reused (as inputs, as
references, or across the two roles) only when the val split runs out. The same seed
gives the same pairs.
"""
import argparse
import csv
import os
import random
import sys

# Median integrated loudness (LUFS) per package, from /work/shared/data/README.md.
PACKAGE_LUFS = {
    "wesnoth-1.16-music": -14.6, "naev-data": -15.1, "supertux-data": -15.5,
    "widelands-data": -14.9, "hedgewars-data": -15.0, "singularity-music": -17.6,
    "supertuxkart-data": -12.1, "freedroidrpg-data": -13.4, "drascula-music": -16.0,
    "trackballs-data": -13.2, "megaglest-data": -19.7, "redeclipse-data": -11.4,
    "wizznic-data": -10.8, "amoebax-data": -10.0, "openclonk-data": -17.8,
    "enigma-data": -19.5, "hyperrogue-music": -12.7, "0ad-data": -14.7,
}


def read_split(index_path, split="val"):
    """{package: [paths]} of an index's rows in `split`; empty when the file is missing."""
    songs = {}
    if not index_path or not os.path.exists(index_path):
        return songs
    with open(index_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["split"] == split:
                songs.setdefault(row["package"], []).append(row["path"])
    return songs


def loud_quiet_order(packages, rng):
    """Packages alternating from the loud and the quiet end (unknown ones in the middle)."""
    packages = sorted(packages)
    rng.shuffle(packages)  # break ties between equally loud or unknown packages
    by_loudness = sorted(packages, key=lambda p: -PACKAGE_LUFS.get(p, -15.0))
    order = []
    while by_loudness:
        order.append(by_loudness.pop(0))
        if by_loudness:
            order.append(by_loudness.pop())
    return order


def pick(candidates, used, rng, avoid=frozenset()):
    """A random candidate, preferably neither used yet nor in avoid."""
    fresh = [c for c in candidates if c not in used]
    preferred = [c for c in fresh if c not in avoid]
    choice = rng.choice(preferred or fresh or candidates)
    used.add(choice)
    return choice


def make_pairs(music, midi, n, seed):
    rng = random.Random(seed)
    if not music:
        sys.exit("make_pairs: the music index has no songs in this split")
    ref_order = loud_quiet_order(music.keys(), rng)
    midi_songs = sorted(p for paths in midi.values() for p in paths)
    used_inputs, used_refs = set(), set()
    pairs = []
    for i in range(n):
        ref_pkg = ref_order[i % len(ref_order)]
        ref = pick(sorted(music[ref_pkg]), used_refs, rng, avoid=used_inputs)
        if midi_songs and i % 2 == 1:
            pairs.append((pick(midi_songs, used_inputs, rng), ref, "unmastered"))
            continue
        others = sorted(p for pkg, paths in music.items() if pkg != ref_pkg for p in paths)
        if not others:  # a single package: any other song of it
            others = sorted(p for p in music[ref_pkg] if p != ref)
        if not others:
            sys.exit("make_pairs: need at least two songs in this split")
        pairs.append((pick(others, used_inputs, rng, avoid=used_refs), ref, "mastered"))
    return pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--music-index", default="data/music/index.tsv")
    ap.add_argument("--midi-index", default="data/midi/index.tsv")
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--split", default="val", choices=["val", "train"])
    ap.add_argument("--out", default="-", help="output TSV (default: stdout)")
    args = ap.parse_args()
    if args.n < 1:
        ap.error("--n must be at least 1")

    music, midi = read_split(args.music_index, args.split), read_split(args.midi_index, args.split)
    if not midi:
        print(f"make_pairs: no {args.split} songs in {args.midi_index}: mastered inputs only", file=sys.stderr)
    pairs = make_pairs(music, midi, args.n, args.seed)

    out = sys.stdout if args.out == "-" else open(args.out + ".tmp", "w", encoding="utf-8")
    out.write("input\treference\tinput_kind\n")
    for inp, ref, kind in pairs:
        out.write(f"{inp}\t{ref}\t{kind}\n")
    if out is not sys.stdout:
        out.close()
        os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
