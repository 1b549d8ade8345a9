#!/usr/bin/env python3
"""seglearn's smartwatch shoulder-exercise recordings (from the seglearn wheel) to
recording files, one per subject.

The data (Burns et al., "Shoulder physiotherapy exercise recognition: machine learning
the inertial signals from a smartwatch", 2018, arXiv:1802.01489): 140 series of a
smartwatch's 3-axis accelerometer and 3-axis gyroscope at 50 Hz, recorded while subjects
1-10 performed 20 repetitions of one of 7 shoulder exercises (PEN pendulum, ABD
abduction, FEL forward elevation, IR internal rotation, ER external rotation, TRAP
trapezius extension, ROW upright row).

    pip download --no-deps seglearn==1.2.5 -d wheels/
    python3 scripts/convert_seglearn_watch.py wheels/seglearn-1.2.5-py3-none-any.whl data/recordings/

writes watch_subject01.csv ... watch_subject10.csv (each subject's series as sessions,
numbered by their index in the data set), and with --ci, only watch_ci.csv: the first
12 s (600 samples) of the first series of each exercise of subject 1. No network.

Needs numpy: the wheel stores the data as a pickled dict in an .npy file (loaded with
allow_pickle=True, so run it only on a wheel from PyPI).

Units (docs/datasets.md gives the evidence): accelerometer in g, written as counts of
1 mg; gyroscope in rad/s, written as counts of 0.001 rad/s.
"""

import io
import os
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recording_file import quantise, write_recording  # noqa: E402

MEMBER = "seglearn/data/watch_dataset.npy"
RATE_HZ = 50
AXES = [
    ("ax", "mg", 1),
    ("ay", "mg", 1),
    ("az", "mg", 1),
    ("wx", "rad/s", 0.001),
    ("wy", "rad/s", 0.001),
    ("wz", "rad/s", 0.001),
]
# The source's units: g for the accelerometer, rad/s for the gyroscope; a count of 1 mg
# is 0.001 g.
SOURCE_PER_COUNT = [0.001, 0.001, 0.001, 0.001, 0.001, 0.001]
CI_SAMPLES = 600


def main(argv):
    args = [a for a in argv[1:] if a != "--ci"]
    ci = "--ci" in argv
    if len(args) != 2:
        sys.exit(f"usage: {argv[0]} [--ci] SEGLEARN_WHEEL OUT_DIR")
    wheel, out = args
    with zipfile.ZipFile(wheel) as z:
        data = np.load(io.BytesIO(z.read(MEMBER)), allow_pickle=True).item()
    if list(data["X_labels"]) != [a[0] for a in AXES]:
        raise ValueError(f"columns {data['X_labels']}, expected {[a[0] for a in AXES]}")
    labels = list(data["y_labels"])
    subjects = sorted({int(s) for s in data["subject"]})
    os.makedirs(out, exist_ok=True)
    source = [
        "source: seglearn 1.2.5 wheel, seglearn/data/watch_dataset.npy (Burns et al. 2018, arXiv:1802.01489)",
        "licence: BSD 3-Clause, Copyright (c) 2018 David M. Burns (the wheel's LICENSE); see docs/datasets.md",
        "smartwatch accelerometer (g, here in counts of 1 mg) and gyroscope (rad/s), 50 Hz; 7 shoulder exercises",
    ]

    def rows(indices, limit=None):
        for k in indices:
            series = data["X"][k][:limit]
            label = labels[int(data["y"][k])]
            for sample in series:
                yield k, label, [quantise(float(v), p) for v, p in zip(sample, SOURCE_PER_COUNT)]

    if ci:
        chosen = []
        for c in range(len(labels)):
            first = [k for k in range(len(data["X"])) if int(data["subject"][k]) == 1 and int(data["y"][k]) == c]
            chosen += first[:1]
        path = os.path.join(out, "watch_ci.csv")
        note = f"CI fixture: subject 1, the first {CI_SAMPLES} samples of the first series of each exercise"
        write_recording(path, RATE_HZ, labels, AXES, rows(sorted(chosen), CI_SAMPLES), source + [note])
        print(f"wrote {path}: {len(chosen)} series")
        return
    for s in subjects:
        indices = [k for k in range(len(data["X"])) if int(data["subject"][k]) == s]
        sides = sorted({"right" if data["side"][k] == 1 else "left" for k in indices})
        path = os.path.join(out, f"watch_subject{s:02d}.csv")
        note = f"subject {s} ({' and '.join(sides)} arm), series indices as sessions"
        write_recording(path, RATE_HZ, labels, AXES, rows(indices), source + [note])
        print(f"wrote {path}: {len(indices)} series")


if __name__ == "__main__":
    main(sys.argv)
