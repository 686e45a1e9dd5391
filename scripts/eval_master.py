#!/usr/bin/python3
"""Masters every (input, reference) pair of a TSV with `itomaster master --json` and
summarizes what the engine promises (stdlib only):

  scripts/eval_master.py PAIRS.tsv [--itomaster build/itomaster] [--out DIR] [--steps N]

Per pair: loudness error to the reference (LU), output true peak (dBTP), AF loss of the
untouched input and of the master against the reference, their ratio, steps, seconds.
Then medians. Writes DIR/summary.tsv and prints a Markdown table.
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs")
    ap.add_argument("--itomaster", default="build/itomaster")
    ap.add_argument("--out", default="out/eval")
    ap.add_argument("--steps", default="100")
    ap.add_argument("--extra", default="", help="extra arguments for itomaster master")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    with open(args.pairs, newline="", encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh, delimiter="\t"))
    for i, pair in enumerate(pairs):
        out_wav = os.path.join(args.out, f"master_{i:02d}.wav")
        cmd = [args.itomaster, "master", "--input", pair["input"], "--reference", pair["reference"],
               "--output", out_wav, "--force", "--json", "--steps", args.steps] + args.extra.split()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"pair {i}: itomaster failed: {proc.stderr.strip()}", file=sys.stderr)
            continue
        s = json.loads(proc.stdout)
        row = {
            "pair": i,
            "kind": pair.get("input_kind", ""),
            "input": os.path.basename(pair["input"]),
            "reference": os.path.basename(pair["reference"]),
            "ref_lufs": s["reference"]["lufs"],
            "out_lufs": s["output"]["lufs"],
            "lufs_err": s["output"]["lufs"] - s["reference"]["lufs"],
            "out_tp": s["output"]["true_peak_dbtp"],
            "af_input": s["af_loss"]["input"],
            "af_output": s["af_loss"]["output"],
            "ratio": s["af_loss"]["input"] / max(s["af_loss"]["output"], 1e-12),
            "steps": s["steps"],
            "seconds": s["seconds"],
        }
        rows.append(row)
        print(f"pair {i}: {row['input']} -> {row['reference']}: LUFS err {row['lufs_err']:+.2f}, "
              f"TP {row['out_tp']:.2f}, AF {row['af_input']:.4f} -> {row['af_output']:.4f} "
              f"({row['ratio']:.1f}x), {row['steps']} steps, {row['seconds']:.1f} s", file=sys.stderr)
    if not rows:
        sys.exit("no pair could be mastered")
    keys = list(rows[0].keys())
    with open(os.path.join(args.out, "summary.tsv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    print("| # | kind | input | reference | ref LUFS | LU error | out dBTP | AF input | AF master | ratio | steps | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['pair']} | {r['kind']} | {r['input']} | {r['reference']} | {r['ref_lufs']:.1f} | "
              f"{r['lufs_err']:+.2f} | {r['out_tp']:.2f} | {r['af_input']:.4f} | {r['af_output']:.4f} | "
              f"{r['ratio']:.1f}x | {r['steps']} | {r['seconds']:.0f} |")
    med = lambda k: statistics.median(r[k] for r in rows)
    print(f"\nmedian: |LU error| {statistics.median(abs(r['lufs_err']) for r in rows):.2f}, "
          f"max |LU error| {max(abs(r['lufs_err']) for r in rows):.2f}, max TP {max(r['out_tp'] for r in rows):.2f} dBTP, "
          f"AF input {med('af_input'):.4f}, AF master {med('af_output'):.4f}, "
          f"median ratio {med('ratio'):.1f}x, ratio of medians {med('af_input') / med('af_output'):.1f}x")


if __name__ == "__main__":
    main()
