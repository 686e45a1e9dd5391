#!/usr/bin/env python3
"""Plots training curves from itomaster train's log.csv files into one PNG.

  scripts/plot_training.py [--mark LOG_INDEX:STEP:TEXT ...] out/train_wb/log.csv [more/log.csv ...] models/training_curve.png
--mark draws a labelled vertical line (e.g. where a run resumed with another batch or lr) on
the plot of the LOG_INDEX-th log (0-based).
Needs python3-matplotlib (a development tool; nothing in the tests uses it).
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    steps, train, val = [], [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            steps.append(int(row["step"]))
            train.append(float(row["train_loss"]) if row["train_loss"] else float("nan"))
            val.append(float(row["val_loss"]) if row["val_loss"] else float("nan"))
    return steps, train, val


def main():
    args, marks = sys.argv[1:], []
    while args and args[0] == "--mark":
        index, step, text = args[1].split(":", 2)
        marks.append((int(index), int(step), text))
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    logs, out = args[:-1], args[-1]
    fig, axes = plt.subplots(1, len(logs), figsize=(6 * len(logs), 4), squeeze=False)
    for n, (ax, path) in enumerate(zip(axes[0], logs)):
        steps, train, val = read(path)
        # The first validation (untrained network) is off the scale; start at the first step.
        ax.plot(steps[1:], train[1:], label="training loss (mean since last point)")
        ax.plot(steps[1:], val[1:], marker="o", label="validation loss (held-out songs)")
        own = [(step, text) for index, step, text in marks if index == n]
        for k, (step, text) in enumerate(own):
            ax.axvline(step, color="gray", linestyle="--")
            # Staggered, so that labels of nearby marks do not overlap.
            ax.annotate(" " + text, (step, 0.6 - 0.08 * k), xycoords=("data", "axes fraction"), ha="left", fontsize=8)
        ax.set_xlabel("step")
        ax.set_ylabel("multi-scale spectral loss")
        ax.set_title(os.path.basename(os.path.dirname(path)) or path)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
