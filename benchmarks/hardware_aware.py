"""Hardware-aware search on the development suite: latency limits, Pareto
fronts, multi-objective searchers, measurement overhead (issue 16).

For each task and seed, one child process per run (``n_jobs=None``):

``free``
    ``objectives=("score", "predict_latency")``, random search: the
    unconstrained winner (``best_estimator_``, an ensemble by default), its
    test score, its latency measured on the *test* rows (fresh rows, not
    seen in fit), every trial's score and latency (for the Pareto front
    plot and the hypervolume of random search), and the measurement's
    overhead (``profile_time_s`` over the trials' durations).
``capped``
    the same search with ``max_predict_latency`` = the free winner's
    latency (on up to 1000 training rows, as ``best_estimator_profile_``) / 10: the test score given up and
    the chosen model's latency on the fresh rows against the limit.
``evolutionary``, ``bayesian``
    the two objectives with NSGA-II and ParEGO at the same budget: their
    Pareto fronts, for the hypervolume against random search
    (``hardware_aware_summary.py`` computes it with one reference point
    per task and seed).

A plot per task and seed: every trial of the free run, score against
predict latency (log scale), the Pareto front, the limit of the capped run.

Full run (about 72 minutes)::

    nice -n 19 python benchmarks/hardware_aware.py --budget 120 --seeds 0 1 2 \\
        --out benchmarks/results/hardware_aware_B120.csv
    python benchmarks/hardware_aware_summary.py \\
        benchmarks/results/hardware_aware_B120.csv

Reduced run (one task per call, about 2.5 minutes each)::

    nice -n 19 python benchmarks/hardware_aware.py --budget 30 --seeds 0 \\
        --tasks wa_churn --out benchmarks/results/hardware_aware_B30_reduced.csv
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _suite import (
    git_commit,
    higher_is_better,
    load_suite,
    load_task,
    run_child,
    score_task,
    select_tasks,
)

#: one binary, one multiclass, one regression task of the dev suite
DEFAULT_TASKS = ["wa_churn", "chile_vote", "computers"]
RUNS = ("free", "capped", "evolutionary", "bayesian")
FIELDS = [
    "date", "commit", "task", "type", "n_train", "run", "seed", "budget", "metric",
    "score", "cv_score", "limit_s_per_row", "train_latency_s_per_row",
    "fresh_latency_s_per_row", "fresh_latency_batch1_s", "within_limit", "n_members",
    "best_family", "n_trials", "n_infeasible", "overhead_share", "profile_s",
    "trial_s", "fit_s", "front", "trials", "status", "error",
]


def run_one(task, run, budget, seed, limit, plot_dir):
    import numpy as np

    from sklearn_automl import AutoMLClassifier, AutoMLRegressor
    from sklearn_automl._profile import measure_profile

    X_tr, X_te, y_tr, y_te = load_task(task, load_suite()["split"])
    cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
    scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss",
               "regression": "neg_root_mean_squared_error"}[task["type"]]
    search = {"evolutionary": "evolutionary", "bayesian": "bayesian"}.get(run, "random")
    extra = {"max_predict_latency": limit} if run == "capped" else {}
    t0 = time.perf_counter()
    model = cls(time_budget=budget, random_state=seed, scoring=scoring, search=search,
                objectives=("score", "predict_latency"), **extra).fit(X_tr, y_tr)
    fit_s = time.perf_counter() - t0
    metric, score, _, _ = score_task(task, model, X_te, y_te)
    fresh = measure_profile(model.best_estimator_, X_te, batch_size=1000)
    # on training rows, as the search measures it (best_estimator_profile_ is
    # empty when the budget left no time to measure an unconstrained model)
    train = model.best_estimator_profile_ or measure_profile(
        model.best_estimator_, X_tr, batch_size=1000)
    trials = [t for t in model.history_.trials if t.ok]
    profile_s = sum(t.profile.get("profile_time_s", 0.0) for t in trials)
    trial_s = sum(t.duration for t in trials)
    lb = model.leaderboard_
    row = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "commit": git_commit(),
        "task": task["name"], "type": task["type"], "n_train": len(X_tr), "run": run,
        "seed": seed, "budget": budget, "metric": metric, "score": score,
        "cv_score": model.best_score_, "limit_s_per_row": limit,
        "train_latency_s_per_row": train["predict_latency_s_per_row"],
        "fresh_latency_s_per_row": fresh["predict_latency_s_per_row"],
        "fresh_latency_batch1_s": fresh["predict_latency_s_per_row_batch1"],
        "within_limit": (None if limit is None
                         else bool(fresh["predict_latency_s_per_row"] <= limit)),
        "n_members": len(model.ensemble_members_), "best_family": model.best_family_,
        "n_trials": model.n_trials_,
        "n_infeasible": int(0 if limit is None else (
            lb["predict_latency_s_per_row"].fillna(np.inf) > limit).sum()),
        "overhead_share": profile_s / trial_s if trial_s else None,
        "profile_s": profile_s, "trial_s": trial_s, "fit_s": fit_s,
        "front": json.dumps(model.pareto_front_[
            ["trial_id", "mean_score", "predict_latency_s_per_row"]].values.tolist()),
        "trials": json.dumps([[t.trial_id, t.family, t.fidelity, t.mean_score,
                               t.profile.get("predict_latency_s_per_row")]
                              for t in trials]),
        "status": "ok", "error": "",
    }
    if run == "free" and plot_dir is not None and len(model.pareto_front_):
        _plot(model, task, budget, seed, plot_dir, train["predict_latency_s_per_row"])
    print("ROW " + json.dumps(row, default=float), flush=True)


def _plot(model, task, budget, seed, plot_dir, winner_latency):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sklearn_automl.inspection import ParetoFrontDisplay

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ParetoFrontDisplay.from_estimator(model, x="predict_latency_s_per_row", ax=ax,
                                      log_x=True)
    if winner_latency:
        ax.axvline(winner_latency, color="grey", linestyle=":",
                   label="unconstrained winner (ensemble)")
        ax.axvline(winner_latency / 10, color="red", linestyle="--",
                   label="max_predict_latency (1/10)")
        ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(f"{task['name']} ({task['type']}), {budget:g} s, seed {seed}")
    fig.tight_layout()
    path = Path(plot_dir) / f"hardware_aware_{task['name']}_B{budget:g}_s{seed}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="*", default=DEFAULT_TASKS)
    p.add_argument("--runs", nargs="*", default=list(RUNS), choices=RUNS)
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--out", default=str(HERE / "results" / "hardware_aware.csv"))
    p.add_argument("--plots", default=str(HERE / "results"))
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        spec = json.loads(args.child)
        task = select_tasks([spec["task"]])[0]
        run_one(task, spec["run"], spec["budget"], spec["seed"], spec["limit"],
                spec["plots"])
        return
    import csv

    out = Path(args.out)
    new = not out.exists()
    commit = git_commit()
    with open(out, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        for task in select_tasks(args.tasks):
            for seed in args.seeds:
                limit = None
                for run in args.runs:
                    if run == "capped" and limit is None:
                        continue  # needs the free run's winner
                    spec = {"task": task["name"], "run": run, "budget": args.budget,
                            "seed": seed, "limit": limit if run == "capped" else None,
                            "plots": args.plots}
                    fallback = {k: spec.get(k) for k in ("task", "run", "seed", "budget")}
                    row = run_child([sys.executable, __file__, "--child",
                                     json.dumps(spec)], fallback,
                                    timeout=args.budget * 3 + 300, error_lines=3)
                    row.setdefault("commit", commit)
                    if run == "free" and row.get("status") == "ok":
                        limit = row["train_latency_s_per_row"] / 10
                    writer.writerow({k: row.get(k) for k in FIELDS})
                    f.flush()
                    print(_describe(row), flush=True)


def _describe(row):
    if row.get("status") != "ok":
        return f"{row.get('task')} {row.get('run')}: {row.get('error')}"
    better = "+" if higher_is_better(row["metric"]) else "-"
    share = row["overhead_share"]
    return (f"{row['task']:<11} {row['run']:<12} seed={row['seed']} "
            f"{row['metric']}({better})={row['score']:.4f} "
            f"fresh latency={row['fresh_latency_s_per_row']:.3g}s/row "
            f"limit={row['limit_s_per_row']} trials={row['n_trials']} "
            f"overhead={'-' if share is None else f'{share:.1%}'} "
            f"family={row['best_family']}")


if __name__ == "__main__":
    main()
