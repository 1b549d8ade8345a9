#!/usr/bin/env python3
"""UEA BasicMotions (from the aeon wheel) to recording files.

BasicMotions: four students wore a smartwatch while standing, walking, running and
playing badminton; 3-axis accelerometer and 3-axis gyroscope at 10 Hz, 10 s (100
samples) per case, 40 training and 40 test cases, 10 per class in each.

    pip download --no-deps aeon==1.0.0 -d wheels/
    python3 scripts/convert_basicmotions.py wheels/aeon-1.0.0-py3-none-any.whl data/recordings/

writes basicmotions_train.csv (sessions 0-39, UEA's training cases), basicmotions_test.csv
(sessions 40-79, UEA's test cases) and basicmotions_ci.csv (the first two training cases
of each class: a small fixture for CI). No network; Python 3 standard library only.

Units (docs/datasets.md gives the evidence): the accelerometer columns are m/s² with
gravity removed, quantised to 0.001 m/s² per count; the gyroscope columns are rad/s,
quantised to 0.001 rad/s per count.
"""

import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recording_file import quantise, write_recording  # noqa: E402

MEMBER = "aeon/datasets/data/BasicMotions/BasicMotions_{}.ts"
RATE_HZ = 10
ACC_PER_COUNT = 0.001  # m/s^2
GYRO_PER_COUNT = 0.001  # rad/s
AXES = [
    ("acc_x", "m/s^2", ACC_PER_COUNT),
    ("acc_y", "m/s^2", ACC_PER_COUNT),
    ("acc_z", "m/s^2", ACC_PER_COUNT),
    ("gyro_x", "rad/s", GYRO_PER_COUNT),
    ("gyro_y", "rad/s", GYRO_PER_COUNT),
    ("gyro_z", "rad/s", GYRO_PER_COUNT),
]
SOURCE = [
    "source: UEA/UCR archive BasicMotions (timeseriesclassification.com), as shipped in the aeon 1.0.0 wheel",
    "licence: see docs/datasets.md; cite Bagnall et al., The UEA multivariate time series classification archive, 2018",
    "smartwatch accelerometer (m/s^2, gravity removed) and gyroscope (rad/s), 10 Hz, 100 samples per case",
]


def read_ts(text):
    """(class names from @classLabel, [(label, [6 lists of 100 floats])])."""
    labels, cases, in_data = None, [], False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("@classlabel"):
            labels = line.split()[2:]
        elif line.lower() == "@data":
            in_data = True
        elif in_data:
            *dims, label = line.split(":")
            series = [[float(v) for v in d.split(",")] for d in dims]
            if len(series) != 6 or any(len(s) != 100 for s in series):
                raise ValueError(f"a case of shape {len(series)}x{len(series[0])}, expected 6x100")
            cases.append((label, series))
    if labels is None:
        raise ValueError("no @classLabel line")
    return labels, cases


def rows_of(cases, first_session):
    for k, (label, series) in enumerate(cases):
        for t in range(100):
            counts = [quantise(series[a][t], AXES[a][2]) for a in range(6)]
            yield first_session + k, label, counts


def main(argv):
    if len(argv) != 3:
        sys.exit(f"usage: {argv[0]} AEON_WHEEL OUT_DIR")
    wheel, out = argv[1], argv[2]
    with zipfile.ZipFile(wheel) as z:
        train_labels, train = read_ts(z.read(MEMBER.format("TRAIN")).decode())
        test_labels, test = read_ts(z.read(MEMBER.format("TEST")).decode())
    if train_labels != test_labels:
        raise ValueError("train and test declare different classes")
    labels = train_labels
    os.makedirs(out, exist_ok=True)
    for name, cases, first, note in [
        ("basicmotions_train.csv", train, 0, "UEA training cases 1-40 as sessions 0-39"),
        ("basicmotions_test.csv", test, 40, "UEA test cases 1-40 as sessions 40-79"),
    ]:
        path = os.path.join(out, name)
        write_recording(path, RATE_HZ, labels, AXES, rows_of(cases, first), SOURCE + [note])
        print(f"wrote {path}: {len(cases)} cases")
    ci = []
    for label in labels:
        ci += [(k, c) for k, c in enumerate(train) if c[0] == label][:2]
    ci.sort()
    path = os.path.join(out, "basicmotions_ci.csv")
    rows = (row for k, case in ci for row in rows_of([case], k))
    note = "CI fixture: the first two UEA training cases of each class (session = training case index)"
    write_recording(path, RATE_HZ, labels, AXES, rows, SOURCE + [note])
    print(f"wrote {path}: {len(ci)} cases")


if __name__ == "__main__":
    main(sys.argv)
