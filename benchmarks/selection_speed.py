"""Speed of greedy ensemble selection: the old scorer loop against the new one.

32 candidates x 25 steps on synthetic out-of-fold predictions (seeded numpy,
no dataset) at 5,000 / 50,000 / 200,000 rows, for three scorers:

- ``roc_auc``, binary, string labels ("no"/"yes"), a quarter of the
  candidates rounded to two decimals (tree-like ties);
- ``neg_log_loss``, 10 classes, string labels, float32 probabilities;
- ``neg_root_mean_squared_error``, regression.

"before" is a copy of the old algorithm (below, as it was in
``sklearn_automl/ensemble/_selection.py``): each step re-averages every
candidate and calls the scikit-learn scorer on it through a stand-in
estimator. Where its 25 steps would take longer than ``--before-budget``
seconds it runs fewer steps and the time is extrapolated linearly per step
(each step scores all 32 candidates, so steps cost the same); the table says
so. "after" is :func:`ensemble_selection` with ``max_rows=None`` and with
the recommended ``max_rows``. Usage (the machine is shared)::

    flock /tmp/bench.lock python benchmarks/selection_speed.py

Writes ``benchmarks/results/selection_speed.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer

from sklearn_automl.ensemble import ensemble_selection

REPO = Path(__file__).resolve().parents[1]
N_CANDIDATES, ENSEMBLE_SIZE = 32, 25
RECOMMENDED_MAX_ROWS = 50_000


# ------------------------------------------------- the old algorithm (copy)
class _OldClassProbabilities(ClassifierMixin, BaseEstimator):
    def __init__(self, classes, proba):
        self.classes = classes
        self.proba = proba

    @property
    def classes_(self):
        return self.classes

    def predict_proba(self, X):
        return self.proba

    def predict(self, X):
        return self.classes[np.argmax(self.proba, axis=1)]


class _OldValues(RegressorMixin, BaseEstimator):
    def __init__(self, values):
        self.values = values

    def predict(self, X):
        return self.values


class _OldPredictionScorer:
    def __init__(self, scorer, y, classes=None):
        self.scorer = scorer
        self.y = np.asarray(y)
        self.classes = None if classes is None else np.asarray(classes)
        self._X = np.empty((len(self.y), 0))

    def __call__(self, predictions):
        if self.classes is None:
            est = _OldValues(predictions)
        else:
            est = _OldClassProbabilities(self.classes, predictions)
        return float(self.scorer(est, self._X, self.y))


def old_selection(predictions, y, scorer, *, ensemble_size=25, classes=None):
    """The selection loop before the rewrite (validation left out)."""
    preds = [np.asarray(p) for p in predictions]
    y = np.asarray(y)
    finite = np.ones(len(y), dtype=bool)
    for p in preds:
        finite &= np.isfinite(p).reshape(len(y), -1).all(axis=1)
    if not finite.all():
        preds = [p[finite] for p in preds]
        y = y[finite]
    score = _OldPredictionScorer(scorer, y, classes)
    proba = classes is not None
    total = np.zeros(preds[0].shape, dtype=np.float64)
    weights = np.zeros(len(preds), dtype=np.int64)
    trajectory = np.empty(int(ensemble_size))
    best_score, best_weights = -np.inf, weights.copy()
    for step in range(int(ensemble_size)):
        step_scores = np.empty(len(preds))
        for i, p in enumerate(preds):
            avg = (total + p) / (step + 1)
            if proba:  # float32 members: keep rows summing to one exactly
                avg /= avg.sum(axis=1, keepdims=True)
            step_scores[i] = score(avg)
        step_scores[~np.isfinite(step_scores)] = -np.inf
        chosen = int(np.argmax(step_scores))  # first maximum: the better-ranked
        total += preds[chosen]
        weights[chosen] += 1
        trajectory[step] = step_scores[chosen]
        if step_scores[chosen] > best_score:
            best_score, best_weights = step_scores[chosen], weights.copy()
    return best_weights, trajectory


# ----------------------------------------------------------- synthetic data
def binary_case(n, seed=0):
    rng = np.random.default_rng(seed)
    y01 = (rng.random(n) < 0.3).astype(int)
    shared = rng.normal(size=n)
    preds = []
    for i in range(N_CANDIDATES):
        z = (2 * y01 - 1) * rng.uniform(0.3, 1.5) + 0.7 * shared + rng.normal(size=n)
        p = 1 / (1 + np.exp(-z))
        if i % 4 == 3:
            p = np.round(p, 2)
        preds.append(np.column_stack([1 - p, p]))
    classes = np.array(["no", "yes"], dtype=object)
    return preds, classes[y01], classes


def multiclass_case(n, k=10, seed=0):
    rng = np.random.default_rng(seed)
    y_idx = rng.integers(0, k, n)
    shared = rng.normal(size=(n, k))
    preds = []
    for _ in range(N_CANDIDATES):
        z = 0.7 * shared + rng.normal(size=(n, k))
        z[np.arange(n), y_idx] += rng.uniform(0.5, 2.0)
        p = np.exp(z)
        preds.append((p / p.sum(axis=1, keepdims=True)).astype(np.float32))
    classes = np.array([f"class_{i}" for i in range(k)], dtype=object)
    return preds, classes[y_idx], classes


def regression_case(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(50, 10, size=n)
    shared = rng.normal(size=n)
    preds = [y + rng.uniform(-1, 1)
             + rng.uniform(1, 5) * (0.5 * shared + rng.normal(size=n))
             for _ in range(N_CANDIDATES)]
    return preds, y, None


CASES = [
    ("roc_auc (binary, str labels)", "roc_auc", binary_case),
    ("neg_log_loss (10 classes, str labels)", "neg_log_loss", multiclass_case),
    ("neg_root_mean_squared_error", "neg_root_mean_squared_error", regression_case),
]


def _time(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def _score_on_all_rows(weights, preds, y, scorer, classes):
    avg = sum(w * p for w, p in zip(weights, preds, strict=True) if w) / weights.sum()
    if classes is not None:
        avg = avg / avg.sum(axis=1, keepdims=True)
    return _OldPredictionScorer(scorer, y, classes)(avg)


def run_case(preds, y, scorer, classes, before_budget):
    """(before s, old steps run, after s, sampled s, same path, sampled - full)."""
    kw = {"classes": classes}
    t1, _ = _time(old_selection, preds, y, scorer, ensemble_size=1, **kw)
    steps = ENSEMBLE_SIZE
    if t1 * ENSEMBLE_SIZE > before_budget:
        steps = int(min(ENSEMBLE_SIZE - 1, max(2, before_budget // t1)))
    part, (w_old, t_old) = _time(old_selection, preds, y, scorer, ensemble_size=steps,
                                 **kw)
    before = part / steps * ENSEMBLE_SIZE
    after, (w_new, t_new) = _time(ensemble_selection, preds, y, scorer,
                                  ensemble_size=ENSEMBLE_SIZE, **kw)
    same = np.allclose(t_new[:steps], t_old, rtol=1e-9, atol=1e-12)
    if steps == ENSEMBLE_SIZE:
        same = same and np.array_equal(w_new, w_old)
    sampled, (w_s, _) = _time(ensemble_selection, preds, y, scorer,
                              ensemble_size=ENSEMBLE_SIZE, max_rows=RECOMMENDED_MAX_ROWS,
                              random_state=0, **kw)
    gap = (_score_on_all_rows(w_s, preds, y, scorer, classes)
           - _score_on_all_rows(w_new, preds, y, scorer, classes))
    return before, steps, after, sampled, same, gap


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[5_000, 50_000, 200_000])
    p.add_argument("--before-budget", type=float, default=20.0,
                   help="seconds for one 'before' run; longer ones are extrapolated")
    p.add_argument("--out", default=str(REPO / "benchmarks/results/selection_speed.md"))
    args = p.parse_args()
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=False).stdout.strip()
    load_start = os.getloadavg()
    lines = []
    for n in args.rows:
        for label, name, make in CASES:
            preds, y, classes = make(n)
            before, steps, after, sampled, same, gap = run_case(
                preds, y, get_scorer(name), classes, args.before_budget)
            mark = "" if steps == ENSEMBLE_SIZE else f" (extrapolated from {steps} steps)"
            lines.append(
                f"| {n:,} | {label} | {before:.2f}{mark} | {after:.3f} | "
                f"{before / after:.0f}x | {sampled:.3f} | {before / sampled:.0f}x | "
                f"{'yes' if same else 'NO'} | {gap:+.1e} |"
            )
            print(lines[-1], flush=True)
    load_end = os.getloadavg()
    load = [tuple(round(x, 2) for x in lo) for lo in (load_start, load_end)]
    md = [
        "# Greedy ensemble selection: speed before and after the rewrite",
        "",
        (f"`python benchmarks/selection_speed.py` (code at commit {commit}; "
         f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
         f"{platform.python_version()}, numpy {np.__version__}). Machine load "
         f"(`os.getloadavg()`, 1/5/15 min) at the start {load[0]}, at the end "
         f"{load[1]}: the 2-core machine is shared, so times are indicative."),
        "",
        (f"{N_CANDIDATES} candidates x {ENSEMBLE_SIZE} steps, synthetic predictions "
         "(seeded numpy): binary ROC AUC with string labels and tied (rounded) "
         "candidates; 10-class log loss with string labels and float32 "
         "probabilities; RMSE regression. *before*: a copy of the old loop "
         "(re-average each candidate, call the scikit-learn scorer through a "
         "stand-in estimator); where its 25 steps would exceed "
         f"{args.before_budget:.0f} s it ran fewer and the time is extrapolated "
         "linearly per step (marked: each step scores all 32 candidates). "
         "*after*: `ensemble_selection(max_rows=None)`; "
         f"*after, max_rows={RECOMMENDED_MAX_ROWS:,}*: the recommended default "
         "(random_state=0; the same as max_rows=None below that many rows). "
         "*same path*: the new trajectory equals the old one (rtol 1e-9, over "
         "the steps the old loop ran) and, where it ran all 25, the weights are "
         "identical. *sampled - full*: the score on all rows of the ensemble "
         "selected on the sample minus that of the one selected on all rows."),
        "",
        ("| rows | metric | before s | after s | speed-up | after, max_rows="
         f"{RECOMMENDED_MAX_ROWS:,} s | speed-up | same path | sampled - full |"),
        "|---|---|---|---|---|---|---|---|---|",
        *lines,
    ]
    Path(args.out).write_text("\n".join(md) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
