#!/usr/bin/env python3
"""Concatenates recording files with the same first line and header row (the same rate,
labels and axes) into one: comments after the first line are dropped but for one naming
the inputs. Session ids must already be distinct across the inputs (they are in the
converted seglearn files, whose sessions are the series' indices in the data set).

    python3 scripts/concat_recordings.py OUT.csv IN1.csv IN2.csv ...
"""
import sys


def main(out, inputs):
    first = header = None
    rows, sessions = [], set()
    for path in inputs:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        magic = lines[0]
        body = [l for l in lines[1:] if not l.startswith("#") and l.strip()]
        if first is None:
            first, header = magic, body[0]
        elif (magic, body[0]) != (first, header):
            sys.exit(f"{path}:1:1: another rate, labels or axes than {inputs[0]}")
        mine = {l.split(",", 1)[0] for l in body[1:]}
        if mine & sessions:
            sys.exit(f"{path}: session ids also in an earlier input: {sorted(mine & sessions)[:5]}")
        sessions |= mine
        rows.extend(body[1:])
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write(first + "\n")
        f.write("# concatenated by scripts/concat_recordings.py from " + " ".join(p.split("/")[-1] for p in inputs) + "\n")
        f.write(header + "\n")
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
