"""How much of LightGBM defaults' test score on a task is the luck of one split.

The wide evaluation's goal "never below LightGBM defaults beyond seed noise"
compares with one deterministic fit on one 75/25 split. For each task this
prints, for LightGBM with its defaults as the wide evaluation fits them
(``dev_suite.run_one``: non-numeric columns as pandas categories):

- its test score (the number in the wide evaluation's tables);
- its 5-fold cross-validated score on the training rows (what a search,
  which never sees the test rows, could know of it);
- the mean and standard deviation of the test score of the same model with
  row and column bagging (``subsample=0.8``, ``colsample_bytree=0.8``) over
  ``--seeds`` seeds: how far a near-identical model moves on this split.

    python benchmarks/lgbm_default_noise.py email --seeds 10

Seconds per task on the small tables; no AutoML is run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def task_noise(task, split, seeds):
    """(test, cv, bagged mean, bagged std) of LightGBM's defaults on ``task``."""
    import lightgbm
    from _suite import load_task, score_task
    from dev_suite import lgbm_encoded
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    X_tr, X_te, y_tr, y_te = load_task(task, split)
    X_tr, X_te = lgbm_encoded(X_tr, X_te)
    regression = task["type"] == "regression"
    cls = lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier

    def model(**params):
        return cls(n_jobs=1, verbose=-1, **params)

    test = score_task(task, model(random_state=0).fit(X_tr, y_tr), X_te, y_te)[1]
    folds = (KFold if regression else StratifiedKFold)(5, shuffle=True, random_state=0)
    scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss",
               "regression": "neg_root_mean_squared_error"}[task["type"]]
    cv = cross_val_score(model(random_state=0), X_tr, y_tr, cv=folds, scoring=scoring)
    cv = float(np.mean(cv)) * (1 if task["type"] == "binary" else -1)
    bagged = [
        score_task(task, model(random_state=s, subsample=0.8, subsample_freq=1,
                               colsample_bytree=0.8).fit(X_tr, y_tr), X_te, y_te)[1]
        for s in range(seeds)
    ]
    return test, cv, float(np.mean(bagged)), float(np.std(bagged, ddof=1))


def main(argv=None):
    from _suite import load_suite

    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tasks", nargs="+")
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--suite", default=str(HERE / "wide_suite.json"))
    args = p.parse_args(argv)
    if args.seeds < 2:
        p.error("--seeds must be at least 2 (a standard deviation)")
    suite = load_suite(args.suite)
    by_name = {t["name"]: t for t in suite["tasks"]}
    unknown = sorted(set(args.tasks) - set(by_name))
    if unknown:
        p.error(f"unknown task(s) {unknown}")
    print("| task | metric | LightGBM defaults, test | its 5-fold CV on the training rows "
          f"| bagged, test: mean | std over {args.seeds} seeds |")
    print("|---|---|---:|---:|---:|---:|")
    for name in args.tasks:
        task = by_name[name]
        test, cv, mean, std = task_noise(task, suite["split"], args.seeds)
        print(f"| {name} | {task['metric']} | {test:.4f} | {cv:.4f} | {mean:.4f} | {std:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
