#!/usr/bin/env python3
"""scikit-learn reference for the on-device learner: trains MLPClassifier on a features
file (docs/recording-format.md, section 3: split,label,feature,... one row per window)
and reports the held-out accuracy, the confusion matrix and each class's recall.

    python3 scripts/learning_reference.py FEATURES.csv --hidden 10 [--seeds 5] [--json]

Two recipes, each trained with --seeds seeds (0, 1, ...):
  device:  the learner's recipe as far as scikit-learn can follow it: one tanh hidden
           layer of --hidden units, softmax output, per-sample SGD (batch 1) with
           momentum 0.9 (not Nesterov), learning rate 0.02 (constant: scikit-learn has
           no 1/(1 + 0.01 epoch) decay), no weight decay, --epochs epochs, shuffled;
  sklearn: scikit-learn's defaults for the same network size (Adam, rate 0.001,
           L2 1e-4, batch 200) with tanh and --epochs epochs.
Both standardise the features with the training rows' mean and population standard
deviation (a constant feature gets scale 1), as the learner does.

Not needed by CI; needs numpy and scikit-learn (pip install scikit-learn).
Exit status 2 with one "error: FILE:LINE:COLUMN: ..." line on a bad features file.
"""

import argparse
import json
import sys
import warnings

import numpy as np


class BadInput(Exception):
    pass


def read_features(path):
    """(names, splits, labels, X) from a features file; BadInput names line and column."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise BadInput(f"{path}: cannot read the file: {e.strerror}")
    header, rows = None, []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split(",")
        starts = [0]
        for c in cells[:-1]:
            starts.append(starts[-1] + len(c) + 1)
        if header is None:
            header = [c.strip() for c in cells]
            if header[:2] != ["split", "label"] or len(header) < 3:
                raise BadInput(f"{path}:{number}:1: expected a header row split,label,FEATURE,...")
            continue
        if len(cells) != len(header):
            raise BadInput(
                f"{path}:{number}:{len(line) + 1}: the row has {len(cells)} values, expected {len(header)} like the header"
            )
        split = cells[0].strip()
        if split not in ("train", "test"):
            raise BadInput(f'{path}:{number}:1: split "{split}"; expected train or test')
        values = []
        for k in range(2, len(cells)):
            try:
                v = float(cells[k])
            except ValueError:
                v = float("nan")
            if not np.isfinite(v):
                raise BadInput(f'{path}:{number}:{starts[k] + 1}: "{cells[k].strip()}" is not a finite number')
            values.append(v)
        rows.append((split, cells[1].strip(), values))
    if header is None:
        raise BadInput(f"{path}:1:1: the file is empty; expected a header row split,label,FEATURE,...")
    for split in ("train", "test"):
        if not any(r[0] == split for r in rows):
            raise BadInput(f"{path}: no {split} rows; expected both train and test windows")
    splits = np.array([r[0] for r in rows])
    labels = [r[1] for r in rows]
    return header[2:], splits, labels, np.array([r[2] for r in rows], dtype=np.float64)


def standardise(train, test):
    mean = train.mean(axis=0)
    scale = train.std(axis=0)
    scale[scale == 0] = 1.0
    return (train - mean) / scale, (test - mean) / scale


def model(recipe, hidden, epochs, seed):
    from sklearn.neural_network import MLPClassifier

    if recipe == "device":
        return MLPClassifier(
            hidden_layer_sizes=(hidden,),
            activation="tanh",
            solver="sgd",
            batch_size=1,
            learning_rate="constant",
            learning_rate_init=0.02,
            momentum=0.9,
            nesterovs_momentum=False,
            alpha=0.0,
            max_iter=epochs,
            shuffle=True,
            tol=0.0,
            n_iter_no_change=epochs + 1,
            random_state=seed,
        )
    return MLPClassifier(hidden_layer_sizes=(hidden,), activation="tanh", max_iter=epochs, random_state=seed)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("features")
    p.add_argument("--hidden", type=int, default=10, help="hidden units (the learner's network) [10]")
    p.add_argument("--epochs", type=int, default=150, help="passes over the training rows [150]")
    p.add_argument("--seeds", type=int, default=5, help="seeds per recipe [5]")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args(argv[1:])
    if a.hidden < 1 or a.epochs < 1 or a.seeds < 1:
        print("error: --hidden, --epochs and --seeds must be at least 1", file=sys.stderr)
        return 2
    try:
        names, splits, labels, X = read_features(a.features)
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    classes = list(dict.fromkeys(labels))
    y = np.array([classes.index(label) for label in labels])
    train, test = splits == "train", splits == "test"
    Xtr, Xte = standardise(X[train], X[test])
    report = {
        "features_file": a.features,
        "features": len(names),
        "train_windows": int(train.sum()),
        "test_windows": int(test.sum()),
        "classes": classes,
        "network": f"{len(names)}-{a.hidden}-{len(classes)} (tanh, softmax)",
        "recipes": {},
    }
    for recipe in ("device", "sklearn"):
        accuracies, first = [], None
        for seed in range(a.seeds):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
                m = model(recipe, a.hidden, a.epochs, seed).fit(Xtr, y[train])
            predicted = m.predict(Xte)
            accuracies.append(float((predicted == y[test]).mean()))
            if first is None:
                matrix = np.zeros((len(classes), len(classes)), dtype=int)
                for t, q in zip(y[test], predicted):
                    matrix[t, q] += 1
                support = matrix.sum(axis=1)
                recall = [float(matrix[k, k] / support[k]) if support[k] else None for k in range(len(classes))]
                first = {"confusion_matrix": matrix.tolist(), "recall": recall}
        report["recipes"][recipe] = {
            "accuracy_per_seed": accuracies,
            "accuracy_mean": float(np.mean(accuracies)),
            "seed_0": first,
        }
    if a.json:
        print(json.dumps(report))
        return 0
    print(
        f"{a.features}: {report['train_windows']} training and {report['test_windows']} held-out windows, "
        f"{len(names)} features, network {report['network']}"
    )
    for recipe, r in report["recipes"].items():
        shown = ", ".join(f"{x:.3f}" for x in r["accuracy_per_seed"])
        print(f"{recipe:>7}: held-out accuracy {r['accuracy_mean']:.3f} (mean of seeds 0-{a.seeds - 1}: {shown})")
        width = max(max(len(c) for c in classes), 6)
        print(f"         seed 0 confusion matrix (rows: true, columns: predicted) and recall:")
        print("         " + " " * width + "".join(f" {c:>{width}}" for c in classes))
        for c, row, rec in zip(classes, r["seed_0"]["confusion_matrix"], r["seed_0"]["recall"]):
            cells = "".join(f" {v:>{width}}" for v in row)
            print(f"         {c:>{width}}{cells}   recall {'-' if rec is None else f'{rec:.3f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
