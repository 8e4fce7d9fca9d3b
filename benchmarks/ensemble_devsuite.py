"""Ensembles and the portfolio warm start on the development suite.

One subprocess per (task, variant, budget, seed). Each run fits the AutoML
with the variant's parameters and scores on the test split both its model
(the ensemble when one was built) and the best single pipeline of the same
search (refit on the training data outside the budget), so "ensemble vs
best single" comes from the same search. Variants::

    portfolio   initial_configs="portfolio" (default), ensemble_size=25
    random      initial_configs=None (each family's defaults, then random)
    noens       ensemble_size=0 (no OOF kept; for the memory comparison)

    flock /tmp/bench.lock python benchmarks/ensemble_devsuite.py \
        --variants portfolio --budgets 60 --seeds 0 \
        --out benchmarks/results/ensemble_devsuite.csv
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

VARIANTS = {
    "portfolio": {"initial_configs": "portfolio"},
    "random": {"initial_configs": None},
    "noens": {"initial_configs": "portfolio", "ensemble_size": 0},
    "stacking": {"initial_configs": "portfolio", "ensemble": "stacking"},
}
FIELDS = [
    "date", "commit", "task", "type", "n_train", "variant", "seed", "budget", "metric",
    "score", "single_score", "n_members", "members", "member_families", "weights",
    "ensemble_oof_score", "best_cv_score", "n_trials", "best_family", "fit_s", "refit_s", "peak_rss_mb",
    "load1", "status", "error",
]


def run_one(task, variant, budget, seed, n_jobs):
    from sklearn.base import clone

    from sklearn_automl import AutoMLClassifier, AutoMLRegressor
    from sklearn_automl._plan import make_plan

    suite = load_suite()
    X_tr, X_te, y_tr, y_te = load_task(task, suite["split"])
    row = {"date": time.strftime("%Y-%m-%d"), "commit": git_commit(), "task": task["name"],
           "type": task["type"], "n_train": len(X_tr), "variant": variant, "seed": seed, "budget": budget,
           "status": "ok", "error": ""}
    regression = task["type"] == "regression"
    cls = AutoMLRegressor if regression else AutoMLClassifier
    scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss",
               "regression": "neg_root_mean_squared_error"}[task["type"]]
    t0 = time.perf_counter()
    model = cls(time_budget=budget, random_state=seed, n_jobs=n_jobs, scoring=scoring,
                **VARIANTS[variant]).fit(X_tr, y_tr)
    row["fit_s"] = time.perf_counter() - t0
    row["peak_rss_mb"] = peak_rss_mb()  # of the search, before the extra refit
    row["refit_s"] = model.refit_time_
    metric, score, _, _ = score_task(task, model, X_te, y_te)
    row.update(metric=metric, score=score)
    row["n_members"] = len(model.ensemble_members_)
    row["members"] = " ".join(map(str, model.ensemble_members_))
    family = {t.trial_id: t.family for t in model.history_.trials}
    row["member_families"] = " ".join(family.get(m, "?") for m in model.ensemble_members_)
    row["weights"] = " ".join(f"{w:.3f}" for w in model.ensemble_weights_)
    row["ensemble_oof_score"] = model.ensemble_score_
    row["best_cv_score"] = model.best_score_
    row["n_trials"] = model.n_trials_
    row["best_family"] = model.best_family_
    # The best single pipeline of the same search, refit on the training data.
    best = model.history_.best()
    if best is None or len(model.ensemble_members_) <= 1:
        row["single_score"] = score
    else:
        plan = make_plan(X_tr, model._task, None)
        member = next(iter(model.best_estimator_.named_estimators_.values()))
        seed_ = member.get_params()["features__random_state"]
        threads = plan.components[best.family].n_threads(model.refit_n_threads_,
                                                         len(X_tr))
        single = clone(plan.build(best.config, random_state=seed_, n_jobs=threads))
        single.fit(X_tr, y_tr)
        row["single_score"] = score_task(task, single, X_te, y_te)[1]
    row["load1"] = os.getloadavg()[0]
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variants", nargs="+", default=["portfolio"])
    p.add_argument("--budgets", nargs="+", type=float, default=[60.0])
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--tasks", nargs="*", default=None)
    p.add_argument("--n-jobs", type=n_jobs_arg, default=2,
                   help="the AutoML's n_jobs; 'none' = one trial at a time in-process, 1 thread")
    p.add_argument("--out", required=True)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        task, variant, budget, seed = json.loads(args.child)
        print("ROW " + json.dumps(run_one(task, variant, budget, seed, args.n_jobs)))
        return 0
    tasks = select_tasks(args.tasks)
    jobs = (
        ([sys.executable, __file__, "--n-jobs", str(args.n_jobs), "--out", args.out,
          "--child", json.dumps([task, variant, budget, seed])],
         {"task": task["name"], "variant": variant, "seed": seed, "budget": budget},
         {"timeout": budget * 3 + 300, "error_lines": 3})
        for seed in args.seeds for budget in args.budgets for task in tasks
        for variant in args.variants
    )
    run_children(args.out, FIELDS, jobs, lambda row: (
        f"{row['task']:12s} {row['variant']:9s} B={row['budget']:<5g} "
        f"seed={row['seed']} {row.get('metric', '')}="
        f"{row.get('score', float('nan'))} single="
        f"{row.get('single_score', float('nan'))} "
        f"members={row.get('n_members', '')} "
        f"fit={row.get('fit_s', 0):.1f}s {row['status']}"
    ), commit=git_commit())
    return 0


if __name__ == "__main__":
    sys.exit(main())
