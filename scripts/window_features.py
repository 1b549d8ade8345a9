#!/usr/bin/env python3
"""Window features of recording files in float64, as a features file
(docs/recording-format.md, section 3) for scripts/learning_reference.py.

    python3 scripts/window_features.py --window 50 --train data/recordings/basicmotions_train.csv \
        --test data/recordings/basicmotions_test.csv -o features.csv

Cuts each session into non-overlapping windows of --window samples with one label
(a window that would span a label change or the session's end is dropped), and writes per
axis the mean, population standard deviation, minimum, maximum and RMS, in the axis's
physical unit (count × per_count). An independent stand-in until `nn replay
--features-out` writes the learner's own features: its feature set is not the learner's.
Python 3 standard library only.
"""

import argparse
import math
import sys


def read_recording(path):
    """(axes [(name, unit, per_count)], rows [(session, label, counts)]) of a recording
    file; minimal checks (`nn recording info` is the real parser)."""
    with open(path, encoding="utf-8") as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    if not lines or not lines[0].startswith("# nn-recording v1"):
        sys.exit(f"error: {path}:1:1: expected a recording file (# nn-recording v1 ...)")
    body = [l for l in lines[1:] if not l.lstrip().startswith("#")]
    axes = []
    for spec in body[0].split(",")[2:]:
        name, inside = spec.rstrip("]").split("[")
        scale, _, unit = inside.rpartition("*")
        axes.append((name, unit, float(scale) if scale else 1.0))
    rows = []
    for line in body[1:]:
        cells = line.split(",")
        rows.append((int(cells[0]), cells[1], [int(c) for c in cells[2:]]))
    return axes, rows


def windows(rows, length):
    run = []
    for row in rows + [None]:
        if run and (row is None or row[0] != run[0][0] or row[1] != run[0][1]):
            for start in range(0, len(run) - length + 1, length):
                yield run[0][1], run[start : start + length]
            run = []
        if row is not None:
            run.append(row)


def features(window, axes):
    out = []
    for k, (_, _, per_count) in enumerate(axes):
        x = [r[2][k] * per_count for r in window]
        n = len(x)
        mean = math.fsum(x) / n
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in x) / n)
        rms = math.sqrt(math.fsum(v * v for v in x) / n)
        out += [mean, std, min(x), max(x), rms]
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--window", type=int, required=True, help="samples per window")
    p.add_argument("--train", nargs="+", required=True, help="recording files whose windows are train")
    p.add_argument("--test", nargs="+", required=True, help="recording files whose windows are test")
    p.add_argument("-o", "--out", required=True)
    a = p.parse_args(argv[1:])
    out, header_axes = [], None
    for split, paths in (("train", a.train), ("test", a.test)):
        for path in paths:
            axes, rows = read_recording(path)
            if header_axes is None:
                header_axes = axes
            elif axes != header_axes:
                sys.exit(f"error: {path}: its axes differ from the first file's")
            for label, w in windows(rows, a.window):
                out.append(",".join([split, label] + [repr(v) for v in features(w, axes)]))
    names = [f"{n}_{f}" for n, _, _ in header_axes for f in ("mean", "std", "min", "max", "rms")]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(f"# window features, {a.window} samples per window (scripts/window_features.py)\n")
        f.write(",".join(["split", "label"] + names) + "\n")
        f.write("\n".join(out) + "\n")
    print(f"wrote {a.out}: {len(out)} windows, {len(names)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
