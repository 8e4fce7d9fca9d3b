"""family_allocation="uniform" vs "cost" on one task: family trial counts and scores.

A hand measurement for issue 19 (not a default-deciding benchmark: that is
the wide evaluation's job). Runs each setting in this process, one after
the other, and prints one line per run::

    nice -n 19 python benchmarks/family_allocation.py --task rwm5yr \
        --time-budget 30 --seeds 0

Tasks come from ``benchmarks/wide_suite.json`` (none of them is reserved or
in the development suite).
"""

from __future__ import annotations

import argparse
import collections
import json
import time
from pathlib import Path

from _suite import load_task, score_task

from sklearn_automl import AutoMLClassifier, AutoMLRegressor

SUITE = Path(__file__).resolve().parent / "wide_suite.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="rwm5yr")
    parser.add_argument("--time-budget", type=float, default=30.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--modes", nargs="+", default=["uniform", "cost"])
    args = parser.parse_args()
    suite = json.loads(SUITE.read_text())
    task = next(t for t in suite["tasks"] if t["name"] == args.task)
    X_train, X_test, y_train, y_test = load_task(task, suite["split"])
    cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
    print(f"# {task['name']}: {len(X_train)} training rows, {X_train.shape[1]} columns")
    for seed in args.seeds:
        for mode in args.modes:
            t0 = time.perf_counter()
            model = cls(time_budget=args.time_budget, n_jobs=args.n_jobs,
                        family_allocation=mode, random_state=seed)
            model.fit(X_train, y_train)
            wall = time.perf_counter() - t0
            metric, score, _, _ = score_task(task, model, X_test, y_test)
            trials = [t for t in model.history_.trials if t.status != "skipped"]
            counts = collections.Counter(t.family for t in trials)
            status = collections.Counter(t.status for t in model.history_.trials)
            seconds = collections.defaultdict(float)
            for t in trials:
                seconds[t.family] += t.duration
            print(json.dumps({
                "task": task["name"], "seed": seed, "mode": mode,
                "test_" + metric: round(score, 5), "cv_score": round(model.best_score_, 5),
                "best_family": model.best_family_, "n_trials": model.n_trials_,
                "families": dict(counts.most_common()),
                "family_seconds": {k: round(v, 1) for k, v in seconds.items()},
                "status": dict(status), "ensemble_members": len(model.ensemble_members_),
                "fit_wall_s": round(wall, 1),
            }), flush=True)


if __name__ == "__main__":
    main()
