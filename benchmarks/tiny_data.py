"""Tiny data matrix: which n / classes / features fit, and the score vs LogisticRegression.

Real data: scikit-learn's digits, classes ``0..k-1``, the ``m`` pixels of
highest variance among them; ``n`` training rows (every class at least
once), the score on 300 other rows of those classes. Each cell fits
``AutoMLClassifier(time_budget=None, max_trials=3)`` with the default
families and a default ``LogisticRegression`` on the same rows.

Usage::

    nice -n 19 python benchmarks/tiny_data.py --output benchmarks/results/tiny_data.md
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from sklearn_automl import AutoMLClassifier

ROWS = (2, 5, 10, 20, 50)
FEATURES = (1, 2, 3)
CLASSES = (2, 3, 4, 5)


def cell(X_all, y_all, n, m, k, seed):
    rng = np.random.default_rng(seed)
    keep = y_all < k
    X_k, y_k = X_all[keep], y_all[keep]
    columns = np.argsort(-X_k.var(axis=0))[:m]
    X_k = X_k[:, columns]
    first = [rng.choice(np.flatnonzero(y_k == c)) for c in range(k)]
    rest = rng.permutation(np.setdiff1d(np.arange(len(y_k)), first))
    train = np.r_[first, rest[: n - k]]
    test = rest[n - k: n - k + 300]
    lr = LogisticRegression().fit(X_k[train], y_k[train])
    row = {"n": n, "features": m, "classes": k,
           "lr_accuracy": accuracy_score(y_k[test], lr.predict(X_k[test]))}
    t0 = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = AutoMLClassifier(time_budget=None, max_trials=3,
                                     random_state=seed).fit(X_k[train], y_k[train])
    except Exception as exc:  # noqa: BLE001 - a failure is the finding
        row.update(fitted=False, error=f"{type(exc).__name__}: {str(exc)[:80]}")
        return row
    trials = model.history_.trials
    row.update(
        fitted=True, folds=model.n_splits_,
        scorer="fallback" if hasattr(model.scorer_, "replaces") else "default",
        ok_trials=f"{sum(t.status == 'ok' for t in trials)}/{len(trials)}",
        accuracy=accuracy_score(y_k[test], model.predict(X_k[test])),
        seconds=time.monotonic() - t0,
    )
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    X_all, y_all = load_digits(return_X_y=True)
    rows = [cell(X_all, y_all, n, m, k, args.seed)
            for n in ROWS for m in FEATURES for k in CLASSES if k <= n]
    lines = [
        ("| n | features | classes | fitted | folds | scorer | trials ok | "
         "accuracy | LR accuracy | s |"),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r["fitted"]:
            lines.append(f"| {r['n']} | {r['features']} | {r['classes']} | no: "
                         f"{r['error']} | | | | | {r['lr_accuracy']:.3f} | |")
            continue
        lines.append(
            f"| {r['n']} | {r['features']} | {r['classes']} | yes | {r['folds']} | "
            f"{r['scorer']} | {r['ok_trials']} | {r['accuracy']:.3f} | "
            f"{r['lr_accuracy']:.3f} | {r['seconds']:.1f} |")
    fitted = [r for r in rows if r["fitted"]]
    diff = np.array([r["accuracy"] - r["lr_accuracy"] for r in fitted])
    summary = (
        f"\n{len(fitted)} of {len(rows)} cells fitted. Accuracy minus "
        f"LogisticRegression's: mean {diff.mean():+.3f}, median "
        f"{np.median(diff):+.3f}; AutoML better in {(diff > 0).sum()}, equal in "
        f"{(diff == 0).sum()}, worse in {(diff < 0).sum()} cells.\n")
    text = "\n".join(lines) + "\n" + summary
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
