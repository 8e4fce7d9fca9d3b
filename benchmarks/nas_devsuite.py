"""The mlp_net family inside the full AutoML on the development suite.

For each task: ``AutoMLClassifier``/``AutoMLRegressor`` with the default
families (mlp_net included when torch and skorch import) at one time
budget, and LightGBM with its defaults. Records the test score of both,
the family the AutoML selected, and per family (mlp_net, lightgbm) the
number of trials and the best mean cross-validated score at full fidelity.
One CSV row per task, plus a Markdown summary.

    flock /tmp/bench.lock python benchmarks/nas_devsuite.py --budget 120 \
        [--tasks wa_churn ...] --out benchmarks/results/nas_devsuite_B120
"""

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _suite import git_commit, load_suite, load_task, n_jobs_arg, score_task

FAMILIES = ("mlp_net", "lightgbm")


def run_task(task, split, budget, seed, n_jobs):
    import lightgbm

    from sklearn_automl import AutoMLClassifier, AutoMLRegressor
    from sklearn_automl.features import infer_column_kinds

    X_tr, X_te, y_tr, y_te = load_task(task, split)
    regression = task["type"] == "regression"
    scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss",
               "regression": "neg_root_mean_squared_error"}[task["type"]]
    cls = AutoMLRegressor if regression else AutoMLClassifier
    start = time.perf_counter()
    automl = cls(time_budget=budget, random_state=seed, n_jobs=n_jobs,
                 scoring=scoring).fit(X_tr, y_tr)
    row = {"task": task["name"], "type": task["type"], "n_train": len(X_tr),
           "fit_s": round(time.perf_counter() - start, 1),
           "best_family": automl.best_family_, "n_trials": automl.n_trials_,
           "load1": os.getloadavg()[0]}
    metric, score, _, _ = score_task(task, automl, X_te, y_te)
    row.update(metric=metric, automl_test=score)
    for family in FAMILIES:
        trials = [t for t in automl.history_.trials if t.family == family]
        full = [t.mean_score for t in trials if t.status == "ok" and t.fidelity == 1.0
                and math.isfinite(t.mean_score)]
        row[f"{family}_trials"] = len(trials)
        row[f"{family}_ok"] = sum(t.status == "ok" for t in trials)
        row[f"{family}_best_cv"] = max(full) if full else float("nan")
        # Weight of the family's members in the final ensemble (0: not in it).
        fam = {t.trial_id: t.family for t in automl.history_.trials}
        row[f"{family}_ens_weight"] = float(sum(
            w for m, w in zip(automl.ensemble_members_, automl.ensemble_weights_)
            if fam.get(m) == family))
    row["n_members"] = len(automl.ensemble_members_)
    X_tr, X_te = X_tr.copy(), X_te.copy()
    for c, k in infer_column_kinds(X_tr).items():
        if k != "numeric":
            cats = X_tr[c].astype("category").cat.categories
            X_tr[c] = X_tr[c].astype("object").astype("category").cat.set_categories(cats)
            X_te[c] = X_te[c].astype("object").astype("category").cat.set_categories(cats)
    lgbm = (lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier)(
        random_state=seed, n_jobs=n_jobs or 1, verbose=-1).fit(X_tr, y_tr)
    row["lgbm_default_test"] = score_task(task, lgbm, X_te, y_te)[1]
    return row


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--tasks", nargs="*")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-jobs", type=n_jobs_arg, default=None,
                   help="the AutoML's n_jobs; 'none' (default) = one trial at a time, 1 thread")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    suite = load_suite()
    tasks = [t for t in suite["tasks"] if not args.tasks or t["name"] in args.tasks]
    rows = []
    for task in tasks:
        try:
            rows.append(run_task(task, suite["split"], args.budget, args.seed,
                                 args.n_jobs))
        except Exception as exc:  # noqa: BLE001 - one task's failure is a result
            rows.append({"task": task["name"], "error": f"{type(exc).__name__}: {exc}"})
        print(rows[-1], flush=True)
    fields = sorted({k for r in rows for k in r})
    with open(args.out + ".csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    commit = git_commit()
    ok = [r for r in rows if "error" not in r]
    lines = [
        (f"# mlp_net in the AutoML, dev suite, budget {args.budget:g} s, "
        f"n_jobs={args.n_jobs}, seed {args.seed}"),
        "",
        (f"commit {commit}; scores: roc_auc (binary, higher better), log_loss "
        "(multiclass) and rmse (regression) (lower better); CV scores are the "
        "AutoML's (negated losses)."),
        "",
        ("| task | selected | mlp_net trials (ok) | mlp_net best CV | mlp_net ensemble weight | "
        "lightgbm trials | lightgbm best CV | lightgbm ensemble weight | AutoML test | "
        "LightGBM default test | load1 |"),
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in ok:
        lines.append(
            f"| {r['task']} | {r['best_family']} | {r['mlp_net_trials']} "
            f"({r['mlp_net_ok']}) | {r['mlp_net_best_cv']:.4f} | "
            f"{r['mlp_net_ens_weight']:.2f} | "
            f"{r['lightgbm_trials']} | {r['lightgbm_best_cv']:.4f} | "
            f"{r['lightgbm_ens_weight']:.2f} | "
            f"{r['automl_test']:.4f} | {r['lgbm_default_test']:.4f} | {r['load1']:.2f} |"
        )
    n_sel = sum(r["best_family"] == "mlp_net" for r in ok)
    n_beat = sum(r["mlp_net_best_cv"] > r["lightgbm_best_cv"] for r in ok)
    n_ens = sum(r["mlp_net_ens_weight"] > 0 for r in ok)
    lines += ["", (f"mlp_net selected (best single pipeline) on {n_sel} of {len(ok)} tasks, "
              f"in the final ensemble on {n_ens} of {len(ok)}; its best CV score "
              f"beat lightgbm's on {n_beat} of {len(ok)}.")]
    for r in rows:
        if "error" in r:
            lines.append(f"- {r['task']}: {r['error']}")
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
