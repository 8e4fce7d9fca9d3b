"""AutoML score with the AutoFeaturizer vs the foundation's featurizer, same budget.

Both systems are today's AutoML search (same searcher, budget, folds, seed
and families); only the featurization differs:

``features``
    this repository: column kinds, ``AutoFeaturizer`` and its per-family
    knobs in the search space;
``foundation``
    the featurizer of commit 4e11758 (``infer_column_kinds`` with numeric /
    categorical / drop kinds and ``make_simple_featurizer``: one-hot or
    ordinal codes, median imputation with indicators, standard scaling,
    nothing searched), loaded from that commit with ``git show`` and
    plugged in through the plan (``make_simple_featurizer`` is no longer in
    the package; this benchmark needs only the git history).

Runs the suite's tasks that have categorical or datetime columns, each
(task, system) in its own subprocess, one at a time under
``flock /tmp/bench.lock`` (the machine is shared). Writes ``<out>.csv``
and ``<out>.md``::

    python benchmarks/featurization_devsuite.py --budget 60 --n-jobs 2 \\
        --out benchmarks/results/featurization_devsuite_B60
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Measure the checkout this script is in, even where another checkout is
# installed in editable mode (its import hook would win over sys.path).
sys.meta_path[:] = [f for f in sys.meta_path
                    if "__editable__" not in getattr(f, "__module__", "")]
sys.path.insert(0, str(HERE.parent))

from _suite import (
    git_commit,
    higher_is_better,
    load_suite,
    load_task,
    peak_rss_mb,
    run_child,
    score_task,
)

FOUNDATION = "4e11758"
SYSTEMS = ("foundation", "features")
FIELDS = [
    "date", "task", "type", "n_train", "n_test", "system", "seed", "budget",
    "metric", "score", "score2_name", "score2", "fit_s", "predict_s", "peak_rss_mb",
    "n_trials", "best_family", "best_params", "kinds", "load1", "status", "error",
]


def _foundation_features():
    """The features package of commit 4e11758, imported as ``foundation_features``."""
    if "foundation_features" in sys.modules:
        return sys.modules["foundation_features"]
    root = Path(f"/tmp/sklearn_automl_features_{FOUNDATION}")
    root.mkdir(exist_ok=True)
    for name in ("__init__", "_columns", "_encoders", "_simple"):
        source = subprocess.run(
            ["git", "-C", str(HERE.parent), "show",
             f"{FOUNDATION}:sklearn_automl/features/{name}.py"],
            capture_output=True, text=True, check=True,
        ).stdout
        (root / f"{name}.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(
        "foundation_features", root / "__init__.py", submodule_search_locations=[str(root)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["foundation_features"] = module
    spec.loader.exec_module(module)
    return module


def _use_foundation_featurizer():
    """Make the AutoML plan with the foundation's featurizer (and no knobs)."""
    from sklearn.pipeline import Pipeline

    import sklearn_automl._automl as automl
    from sklearn_automl._plan import Plan, resolve_components

    ff = _foundation_features()

    class FoundationPlan(Plan):
        def feature_space(self, component):
            return {}

        def model_params(self, config):
            prefix = f"{config['family']}__"
            return {f"model__{k[len(prefix):]}": v for k, v in config.items()
                    if k.startswith(prefix)}

        def build(self, config, *, random_state=None, n_jobs=None):
            comp = self.components[config["family"]]
            prefix = f"{comp.name}__"
            params = {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}
            n_cat = sum(k == "categorical" for k in self.kinds.values())
            categorical = list(range(n_cat)) if comp.encoding == "ordinal" and n_cat else None
            model = comp.build(params, random_state=random_state, n_jobs=n_jobs,
                               categorical=categorical)
            features = ff.make_simple_featurizer(
                self.kinds, encoding=comp.encoding, scale=comp.scale)
            return Pipeline([("features", features), ("model", model)])

    def make_plan(X, task, estimators, **kwargs):
        kinds = ff.infer_column_kinds(X)
        return FoundationPlan(task, resolve_components(estimators, task, X.shape[0]), kinds)

    automl.make_plan = make_plan


def run_one(task, system, budget, seed, n_jobs):
    """Fit and score one system on one task in this process; returns a row."""
    suite = load_suite()
    X_tr, X_te, y_tr, y_te = load_task(task, suite["split"])
    if system == "foundation":
        _use_foundation_featurizer()
    from sklearn_automl import AutoMLClassifier, AutoMLRegressor

    row = {
        "date": time.strftime("%Y-%m-%d"), "task": task["name"], "type": task["type"],
        "n_train": len(X_tr), "n_test": len(X_te), "system": system, "seed": seed,
        "budget": budget, "status": "ok", "error": "",
    }
    cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
    scoring = {"binary": "roc_auc", "multiclass": "neg_log_loss",
               "regression": "neg_root_mean_squared_error"}[task["type"]]
    t0 = time.perf_counter()
    model = cls(time_budget=budget, random_state=seed, n_jobs=n_jobs,
                scoring=scoring).fit(X_tr, y_tr)
    row["fit_s"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    metric, score, name2, score2 = score_task(task, model, X_te, y_te)
    row["predict_s"] = time.perf_counter() - t1
    row.update(metric=metric, score=score, score2_name=name2, score2=score2)
    row["n_trials"] = model.n_trials_
    row["best_family"] = model.best_family_
    row["best_params"] = json.dumps(
        {k: v for k, v in model.best_params_.items() if k.startswith("features__")})
    kinds = {}
    for kind in model.column_kinds_.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    row["kinds"] = json.dumps(kinds)
    row["peak_rss_mb"] = peak_rss_mb()
    row["load1"] = os.getloadavg()[0]
    return row


def has_categorical_or_datetime(task, split):
    import pandas as pd

    X_tr = load_task(task, split)[0]
    return any(
        not pd.api.types.is_numeric_dtype(d) or isinstance(d, pd.CategoricalDtype)
        for d in X_tr.dtypes
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=60.0)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tasks", nargs="*", default=None)
    p.add_argument("--systems", nargs="+", default=list(SYSTEMS))
    p.add_argument("--out", default="benchmarks/results/featurization_devsuite_B60")
    p.add_argument("--lock", default="/tmp/bench.lock")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        task, system = json.loads(args.child)
        row = run_one(task, system, args.budget, args.seed, args.n_jobs)
        sys.stdout.write("ROW " + json.dumps(row) + "\n")
        return 0
    suite = load_suite()
    tasks = [t for t in suite["tasks"] if args.tasks is None or t["name"] in args.tasks]
    tasks = [t for t in tasks if has_categorical_or_datetime(t, suite["split"])]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for task in tasks:
            for system in args.systems:
                cmd = ["flock", args.lock, sys.executable, __file__,
                       "--budget", str(args.budget), "--n-jobs", str(args.n_jobs),
                       "--seed", str(args.seed), "--child", json.dumps([task, system])]
                row = run_child(cmd, {"task": task["name"], "system": system})
                writer.writerow(row)
                f.flush()
                rows.append(row)
                sys.stdout.write(
                    f"{row['task']:12s} {system:10s} {row.get('metric', '')}="
                    f"{row.get('score', float('nan'))} fit={row.get('fit_s', 0):.1f}s "
                    f"trials={row.get('n_trials', '')} {row['status']}\n")
                sys.stdout.flush()
    out.with_suffix(".md").write_text(_table(rows, args), encoding="utf-8")
    return 0


def _table(rows, args):
    ok = [r for r in rows if r.get("status") == "ok"]
    by_task = {}
    for r in ok:
        by_task.setdefault((r["task"], r["metric"]), {})[r["system"]] = r
    commit = git_commit()
    lines = [
        f"# AutoML with the AutoFeaturizer vs the foundation featurizer ({FOUNDATION})",
        "",
        f"Code: commit {commit or 'unknown'} (its AutoML search for both systems).",
        "",
        (f"Budget {args.budget:g} s per fit, `n_jobs={args.n_jobs}`, seed {args.seed}, "
        "the suite's split (75/25, random_state=0, stratified), test-set scores. "
        "Same AutoML code for both; only the featurizer differs. Each run alone "
        "under `flock /tmp/bench.lock`, but the 2-core machine was shared with other "
        "developers' work (load average in the table), so trial counts vary."),
        "",
        ("Command: `python benchmarks/featurization_devsuite.py --budget "
        f"{args.budget:g} --n-jobs {args.n_jobs} --seed {args.seed} "
        "--out <this file without suffix>`"),
        "",
        ("| task | metric | foundation | features | better | trials (f / F) | "
        "best family (f / F) | featurizer knobs of the best (F) | load1 (f / F) |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    wins = ties = losses = 0
    for (task, metric), systems in by_task.items():
        f, a = systems.get("foundation"), systems.get("features")
        if not (f and a):
            continue
        hib = higher_is_better(metric)
        delta = a["score"] - f["score"] if hib else f["score"] - a["score"]
        rel = abs(delta) / max(abs(f["score"]), 1e-12)
        if rel < 1e-3:
            verdict, ties = "tie", ties + 1
        elif delta > 0:
            verdict, wins = "features", wins + 1
        else:
            verdict, losses = "foundation", losses + 1
        lines.append(
            f"| {task} | {metric} | {f['score']:.4f} | {a['score']:.4f} | {verdict} "
            f"({100 * rel:.1f}%) | {f['n_trials']} / {a['n_trials']} | "
            f"{f['best_family']} / {a['best_family']} | {a['best_params']} | "
            f"{f['load1']:.1f} / {a['load1']:.1f} |"
        )
    lines += ["", (f"Features better on {wins}, foundation better on {losses}, "
              f"tie (< 0.1% relative) on {ties} task(s).")]
    failed = [r for r in rows if r.get("status") != "ok"]
    if failed:
        lines.append(f"Failed runs: {[(r['task'], r['system'], r['error']) for r in failed]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
