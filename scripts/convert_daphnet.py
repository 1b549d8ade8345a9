#!/usr/bin/env python3
"""UCI Daphnet freezing-of-gait recording S06R02E0 (from the aeon wheel) to a recording
file.

Daphnet (Bächlin et al. 2010; Roggen, Plotnik and Hausdorff, UCI Machine Learning
Repository, doi:10.24432/C56K78): Parkinson's disease patients walking with three 3-axis
accelerometers (ankle, thigh, trunk) in mg at 64 Hz; freezing-of-gait episodes are
annotated. aeon ships one stretch of it, subject 6, run 2 (7040 samples, 110 s), in the
TimeEval format with is_anomaly = 1 during freezing. That stretch has no freezing, so it
is a real 9-axis recording of normal gait (for anomaly detection: learning what normal
looks like).

    pip download --no-deps aeon==1.0.0 -d wheels/
    python3 scripts/convert_daphnet.py wheels/aeon-1.0.0-py3-none-any.whl data/recordings/

writes daphnet_s06r02e0.csv (one session; label walk, or freeze where is_anomaly = 1).
The samples are already integers in mg: they are written unchanged. A gap in the
timestamps (more than 1.5 sample periods) starts a new session. No network; Python 3
standard library only.
"""

import csv
import datetime
import io
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recording_file import write_recording  # noqa: E402

MEMBER = "aeon/datasets/data/Daphnet_S06R02E0/S06R02E0.csv"
RATE_HZ = 64
COLUMNS = [
    "ankle_horiz_fwd",
    "ankle_vert",
    "ankle_horiz_lateral",
    "leg_horiz_fwd",
    "leg_vert",
    "leg_horiz_lateral",
    "trunk_horiz_fwd",
    "trunk_vert",
    "trunk_horiz_lateral",
]
LABELS = {"0": "walk", "1": "freeze"}


def main(argv):
    if len(argv) != 3:
        sys.exit(f"usage: {argv[0]} AEON_WHEEL OUT_DIR")
    wheel, out = argv[1], argv[2]
    with zipfile.ZipFile(wheel) as z:
        table = list(csv.reader(io.StringIO(z.read(MEMBER).decode())))
    header, body = table[0], table[1:]
    if header != ["timestamp"] + COLUMNS + ["is_anomaly"]:
        raise ValueError(f"columns {header}")
    rows, session, previous = [], 0, None
    for r in body:
        t = datetime.datetime.fromisoformat(r[0])
        if previous is not None and (t - previous).total_seconds() > 1.5 / RATE_HZ:
            session += 1
        previous = t
        rows.append((session, LABELS[r[-1]], [int(v) for v in r[1:-1]]))
    present = [name for name in LABELS.values() if any(row[1] == name for row in rows)]
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "daphnet_s06r02e0.csv")
    source = [
        "source: UCI Daphnet Freezing of Gait (doi:10.24432/C56K78), subject 6 run 2 as shipped in the aeon 1.0.0 wheel",
        "licence: CC BY 4.0 (UCI repository); see docs/datasets.md",
        "three 3-axis accelerometers (ankle, thigh, trunk) in mg, 64 Hz; walk = is_anomaly 0, freeze = is_anomaly 1",
    ]
    axes = [(name, "mg", 1) for name in COLUMNS]
    write_recording(path, RATE_HZ, present, axes, rows, source)
    print(f"wrote {path}: {len(rows)} samples in {session + 1} sessions")


if __name__ == "__main__":
    main(sys.argv)
