"""Score sklearn_automl and LightGBM defaults on the development suite.

Each (task, system) runs in its own subprocess so that peak memory and wall
time are per run. Writes one CSV row per run.

    python benchmarks/dev_suite.py --budget 60 --systems automl lgbm_default \
        --out benchmarks/results/dev_suite_B60.csv
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _suite import (
    git_commit,
    load_suite,
    load_task,
    n_jobs_arg,
    peak_rss_mb,
    run_children,
    score_task,
    select_tasks,
)

FIELDS = [
    "date", "task", "type", "n_train", "n_test", "n_features", "system", "version",
    "seed", "budget", "metric", "score", "score2_name", "score2", "fit_s",
    "predict_s", "peak_rss_mb", "n_trials", "n_configs", "n_full", "best_family",
    "load1", "status", "error", "commit",
]


def run_one(task, system, budget, seed, n_jobs, extra):
    """Fit and score one system on one task in this process; returns a row."""
    import sklearn_automl

    suite = load_suite()
    X_tr, X_te, y_tr, y_te = load_task(task, suite["split"])
    row = {
        "date": time.strftime("%Y-%m-%d"), "commit": git_commit(), "task": task["name"],
        "type": task["type"], "n_train": len(X_tr), "n_test": len(X_te), "n_features": X_tr.shape[1],
        "system": system, "seed": seed, "budget": budget, "status": "ok", "error": "",
    }
    t0 = time.perf_counter()
    if system == "lgbm_default":
        import lightgbm

        row["version"] = lightgbm.__version__
        X_tr, X_te = lgbm_encoded(X_tr, X_te)
        cls = lightgbm.LGBMRegressor if task["type"] == "regression" else (
            lightgbm.LGBMClassifier)
        # n_jobs=None would let LightGBM take every core (OpenMP's default);
        # 'none' means one thread here, as for the AutoML's in-process trials
        model = cls(random_state=seed, n_jobs=1 if n_jobs is None else n_jobs,
                    verbose=-1).fit(X_tr, y_tr)
    else:
        from sklearn_automl import AutoMLClassifier, AutoMLRegressor
        from sklearn_automl.space import config_key

        row["version"] = sklearn_automl.__version__
        cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
        scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss",
                   "regression": "neg_root_mean_squared_error"}[task["type"]]
        model = cls(time_budget=budget, random_state=seed, n_jobs=n_jobs,
                    scoring=scoring, **extra).fit(X_tr, y_tr)
        row["n_trials"] = model.n_trials_
        ran = [t for t in model.history_.trials if t.status != "skipped"]
        row["n_configs"] = len({config_key(t.config) for t in ran})
        row["n_full"] = sum(t.fidelity == 1.0 for t in ran)
        row["best_family"] = model.best_family_
    row["fit_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    metric, score, name2, score2 = score_task(task, model, X_te, y_te)
    row["predict_s"] = time.perf_counter() - t1
    row.update(metric=metric, score=score, score2_name=name2, score2=score2)
    row["peak_rss_mb"] = peak_rss_mb()
    row["load1"] = os.getloadavg()[0]
    return row


def lgbm_encoded(X_tr, X_te):
    """Copies of the split with every non-numeric column as a pandas category
    (the training rows' categories): how LightGBM's defaults get the data."""
    from sklearn_automl.features import infer_column_kinds

    X_tr, X_te = X_tr.copy(), X_te.copy()
    for c, kind in infer_column_kinds(X_tr).items():
        if kind != "numeric":
            cats = X_tr[c].astype("category").cat.categories
            X_tr[c] = pd_categorical(X_tr[c], cats)
            X_te[c] = pd_categorical(X_te[c], cats)
    return X_tr, X_te


def pd_categorical(col, categories):
    import pandas as pd

    return pd.Categorical(col.astype("object").where(col.notna(), None),
                          categories=categories)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--budget", type=float, default=60.0)
    p.add_argument("--systems", nargs="+", default=["automl", "lgbm_default"])
    p.add_argument("--tasks", nargs="*", default=None)
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--n-jobs", type=n_jobs_arg, default=2,
                   help="the AutoML's n_jobs; 'none' = one trial at a time in-process, 1 thread")
    p.add_argument("--extra", default="{}", help="JSON of extra AutoML parameters")
    p.add_argument(
        "--variants", default="{}",
        help="JSON {label: {AutoML params}}: each label is a system to run (with "
        "--extra as the common parameters), e.g. search strategies",
    )
    p.add_argument("--out", required=True)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        task, system, seed = json.loads(args.child)
        extra = json.loads(args.extra)
        variants = json.loads(args.variants)
        if system in variants:
            extra = {**extra, **variants[system]}
        row = run_one(task, system, args.budget, seed, args.n_jobs, extra)
        print("ROW " + json.dumps(row))
        return 0
    tasks = select_tasks(args.tasks)
    jobs = (
        ([sys.executable, __file__, "--budget", str(args.budget),
          "--n-jobs", str(args.n_jobs), "--extra", args.extra,
          "--variants", args.variants, "--out", args.out, "--child",
          json.dumps([task, system, seed])],
         {"task": task["name"], "system": system, "seed": seed, "budget": args.budget},
         {})
        for seed in args.seeds for task in tasks for system in args.systems
    )
    run_children(args.out, FIELDS, jobs, lambda row: (
        f"{row['task']:12s} {row['system']:13s} seed={row['seed']} "
        f"{row.get('metric', '')}={row.get('score', float('nan'))} "
        f"fit={row.get('fit_s', 0):.1f}s {row['status']}"
    ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
