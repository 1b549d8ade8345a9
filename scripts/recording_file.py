"""Writes recording files (docs/recording-format.md, format v1) from Python.

Shared by the converters in this directory: Python 3 standard library only.
"""

import math
import os
import tempfile


def quantise(value, per_count):
    """The integer count nearest to value / per_count (ties away from zero), refusing
    non-finite values: a count is what a driver would have returned."""
    if not math.isfinite(value):
        raise ValueError(f"sample {value!r} is not finite")
    q = value / per_count
    return int(math.floor(q + 0.5)) if q >= 0 else -int(math.floor(-q + 0.5))


def axis_header(name, unit, per_count):
    """`name[unit]` or `name[per_count*unit]`, as the header row writes an axis."""
    return f"{name}[{unit}]" if per_count == 1 else f"{name}[{per_count:g}*{unit}]"


def write_recording(path, rate_hz, labels, axes, rows, comments=()):
    """Writes a recording file atomically.

    rate_hz: samples per second; labels: the declared class names, in index order;
    axes: (name, unit, per_count) per axis; rows: (session, label, counts) in time order,
    each session's rows together; comments: lines written after the first, each
    prefixed with "# ".
    """
    lines = [f"# nn-recording v1 rate_hz={rate_hz:g} labels={','.join(labels)}"]
    lines += [f"# {c}" for c in comments]
    lines.append(",".join(["session", "label"] + [axis_header(*a) for a in axes]))
    for session, label, counts in rows:
        if label not in labels:
            raise ValueError(f"label {label!r} is not declared")
        lines.append(",".join([str(session), label] + [str(c) for c in counts]))
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".recording-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return len(lines)
