"""Search overhead per trial: time in sklearn_automl's code, not in the model.

Runs 200 trials of a trivial model (a ridge classifier on 200 rows, 5-fold
CV) sequentially and reports, per trial, the wall time between the start of
one trial and the start of the next minus the time spent in the model's fit
and predict/score calls. Median and 90th percentile are printed.

    python benchmarks/search_overhead.py [--trials 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import RidgeClassifier

from sklearn_automl import AutoMLClassifier
from sklearn_automl.space import Float


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--trials", type=int, default=200)
    args = p.parse_args(argv)
    X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    automl = AutoMLClassifier(
        estimators=[("ridge", RidgeClassifier(), {"alpha": Float(1e-6, 1e6, log=True)})],
        max_trials=args.trials, time_budget=None, scoring="accuracy", random_state=0,
    )
    t0 = time.perf_counter()
    automl.fit(X, y)
    wall = time.perf_counter() - t0
    trials = automl.history_.trials
    model = np.array([t.fit_time + t.predict_time for t in trials])
    inside = np.array([t.duration for t in trials]) - model
    loop = (wall - automl.refit_time_ - sum(t.duration for t in trials)) / len(trials)
    per_trial = inside + loop
    print(f"trials: {len(trials)}  whole fit: {wall:.2f}s  model time: {model.sum():.2f}s")
    print(f"overhead per trial inside evaluate (5 folds): median "
          f"{1e3 * np.median(inside):.2f} ms")
    print(f"overhead per trial in the loop (ask/build/tell/history, mean): "
          f"{1e3 * loop:.2f} ms")
    print(f"total overhead per trial: median {1e3 * np.median(per_trial):.2f} ms, "
          f"p90 {1e3 * np.percentile(per_trial, 90):.2f} ms")


if __name__ == "__main__":
    main()
