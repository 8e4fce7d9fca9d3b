"""Does the whole ``fit`` keep to ``time_budget``? Wall time of fit minus the budget.

The promise: ``fit`` takes at most ``time_budget * 1.05 + 1`` seconds, on
big data too, with ``n_jobs`` and with Dask. Each run is a fresh child
process (its memory and threads cannot leak into the next run) that loads
or makes its data, times ``fit`` alone with ``time.monotonic``, scores the
held-out 25 % and prints one row. Run groups (``--groups``):

``dev``
    The 10 dev-suite tasks (../shared/bench/dev_suite.json), 60 s, n_jobs=2.
``synthetic``
    make_classification / make_regression tables of 20,000 and 200,000 rows
    with categorical string columns (fixed seeds): binary with string labels
    ("yes"/"no"), 20 classes, regression; budgets 10, 30, 60 s; n_jobs None
    and 2 (36 runs; ``--sizes``, ``--kinds``, ``--budgets``, ``--n-jobs``
    subset them). A seeded 25 % split holds out the test rows.
``long``
    The largest classification and regression tasks of the suite (training
    cells: caravan 4,366 x 85, diamonds 40,455 x 9), 300 s, n_jobs=2.
``dask``
    Two dev tasks, 60 s, ``executor=`` a client of a
    ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``; the
    cluster starts before and shuts down after the timed fit.
``nas``
    ``NASClassifier`` and ``AutoMLClassifier`` on sklearn's digits as 8x8
    images, 60 s, n_jobs=2.

``--quick`` shrinks every selected group to a smoke test (one or two runs of
3-5 s). Rows are appended to the CSV and flushed after every run, so a run
killed midway keeps what it finished; a fit still running at twice its
budget + 60 s is stopped and recorded with status "killed". At the end the
CSV is summarised (benchmarks/budget_summary.py) into ``--md``.

Run it alone (the full set is ~45 min of machine time; the estimate of the
selected groups is printed first)::

    flock /tmp/bench.lock python benchmarks/budget_adherence.py
    flock /tmp/bench.lock python benchmarks/budget_adherence.py --groups synthetic \\
        --sizes 200000 --budgets 10 --n-jobs 2
    python benchmarks/budget_summary.py benchmarks/results/budget_adherence_*.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import threading
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
    run_child,
    score_task,
    select_tasks,
)

GROUPS = ("dev", "synthetic", "long", "dask", "nas")
KINDS = ("binary", "multiclass", "regression")
SIZES = (20_000, 200_000)
BUDGETS = (10.0, 30.0, 60.0)
LONG_TASKS = ("caravan", "diamonds")
DASK_TASKS = ("wa_churn", "diamonds")
DASK_EXECUTOR = "dask LocalCluster 2x1 processes"
#: the AutoML's scoring per task type, as in dev_suite.py
SCORING = {"binary": "roc_auc", "multiclass": "neg_log_loss",
           "regression": "neg_root_mean_squared_error"}

FIELDS = [
    "date", "group", "task", "n_rows", "n_features", "kind", "budget", "n_jobs",
    "executor", "wall_s", "overrun_s", "limit_s", "within", "n_trials",
    "n_ensemble", "metric", "score", "score2_name", "score2", "peak_rss_mb",
    "load1_start", "load1_end", "phase_times", "commit", "status", "error",
]
#: one column per phase of ``phase_times_``: its seconds / budget
SHARE_PREFIX = "share_"


def limit_s(budget):
    """The promised ceiling of the whole fit's wall time."""
    return budget * 1.05 + 1


# -- data -------------------------------------------------------------------


def synthetic_table(kind, n_rows, seed=0):
    """(X, y): 20 numeric columns, 3 of strings; deterministic for a seed.

    ``x0`` and ``x1`` (informative) become 8 and 30 string levels with 3 %
    missing, and ``city`` is 500 levels of noise: the featurizer has to
    encode them. ``binary`` labels are the strings "yes"/"no";
    ``multiclass`` has 20 integer classes.
    """
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_classification, make_regression

    # shuffle=False keeps the informative features first (x0..x9); the rows
    # are shuffled by the split
    if kind == "regression":
        X, y = make_regression(n_samples=n_rows, n_features=20, n_informative=10,
                               noise=10.0, shuffle=False, random_state=seed)
    elif kind in ("binary", "multiclass"):
        n_classes = 2 if kind == "binary" else 20
        X, y = make_classification(
            n_samples=n_rows, n_features=20, n_informative=10, n_redundant=4,
            n_classes=n_classes, n_clusters_per_class=2 if n_classes == 2 else 1,
            flip_y=0.02, shuffle=False, random_state=seed,
        )
    else:
        raise ValueError(f"kind={kind!r}: use one of {KINDS}")
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    rng = np.random.default_rng(seed)
    for name, n_levels in (("x0", 8), ("x1", 30)):
        levels = np.array([f"{name}_{k}" for k in range(n_levels)], dtype=object)
        values = levels[pd.qcut(X[name], n_levels, labels=False).to_numpy()]
        values[rng.random(n_rows) < 0.03] = None
        X[name] = pd.Series(values, dtype="str")
    cities = np.array([f"city_{k:03d}" for k in range(500)], dtype=object)
    X["city"] = pd.Series(cities[rng.integers(0, 500, n_rows)], dtype="str")
    if kind == "binary":
        y = np.where(y == 1, "yes", "no").astype(object)
    return X, y


def _synthetic_split(kind, n_rows, seed):
    from sklearn.model_selection import train_test_split

    X, y = synthetic_table(kind, n_rows, seed)
    return train_test_split(X, y, test_size=0.25, random_state=seed,
                            stratify=None if kind == "regression" else y)


# -- one run, in the child --------------------------------------------------


class TreePeakRSS:
    """Peak of the summed RSS of this process and all its descendants (MB).

    Sampled every ``interval`` seconds on a daemon thread (workers of
    ``n_jobs``, dask nannies and workers included); pages shared after a fork
    count once per process. Never below this process's own ``ru_maxrss``.
    """

    def __init__(self, interval=0.1):
        import psutil

        self._interval = interval
        self._psutil = psutil
        self._proc = psutil.Process()
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self):
        total = 0
        procs = [self._proc]
        try:
            procs += self._proc.children(recursive=True)
        except self._psutil.Error:
            pass
        for p in procs:
            try:
                total += p.memory_info().rss
            except self._psutil.Error:  # ended meanwhile
                pass
        self._peak = max(self._peak, total)

    def _run(self):
        while not self._stop.wait(self._interval):
            self._sample()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self._sample()
        return max(self._peak / 2**20, peak_rss_mb())

    def kill_descendants(self):
        for p in self._proc.children(recursive=True):
            try:
                p.kill()
            except self._psutil.Error:
                pass


def _phase_columns(phase_times, budget):
    return {SHARE_PREFIX + re.sub(r"\W+", "_", str(k)): float(v) / budget
            for k, v in phase_times.items()}


def _make_estimator(spec, client):
    if spec["group"] == "nas" and spec["task"] == "nas_digits":
        from sklearn_automl.nas import NASClassifier

        return NASClassifier(time_budget=spec["budget"], n_jobs=spec["n_jobs"],
                             random_state=spec["seed"])
    from sklearn_automl import AutoMLClassifier, AutoMLRegressor

    kw = {"time_budget": spec["budget"], "n_jobs": spec["n_jobs"],
          "random_state": spec["seed"]}
    if spec["group"] != "nas":  # images: the classifier's default scoring
        kw["scoring"] = SCORING[spec["kind"]]
    if client is not None:
        kw["executor"] = client
    cls = AutoMLRegressor if spec["kind"] == "regression" else AutoMLClassifier
    return cls(**kw)


def _load(spec):
    """(X_train, X_test, y_train, y_test, task dict for score_task)."""
    if spec["group"] == "synthetic":
        return (*_synthetic_split(spec["kind"], spec["size"], spec["seed"]),
                {"type": spec["kind"]})
    if spec["group"] == "nas":
        from nas_digits import _load as load_digit_images  # its 25 % split

        return (*load_digit_images(), {"type": "multiclass"})
    (task,) = select_tasks([spec["task"]])
    return (*load_task(task, load_suite()["split"]), task)


def run_one(spec):
    """Fit and score one run in this process; the row."""
    budget = spec["budget"]
    rss = TreePeakRSS()
    X_tr, X_te, y_tr, y_te, task = _load(spec)
    row = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "group": spec["group"],
        "task": spec["task"], "n_rows": len(X_tr),
        "n_features": X_tr.shape[1] if X_tr.ndim == 2 else "x".join(
            str(d) for d in X_tr.shape[1:]),
        "kind": spec["kind"], "budget": budget, "n_jobs": _n_jobs_text(spec["n_jobs"]),
        "executor": spec["executor"], "limit_s": limit_s(budget), "status": "ok",
        "error": "",
    }
    client = cluster = None
    if spec["executor"] == DASK_EXECUTOR:
        import logging

        import distributed

        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
        client.wait_for_workers(2)
    est = _make_estimator(spec, client)

    hard_limit = 2 * budget + 60
    t0 = None

    def stop_runaway():  # the fit went far past its budget: record and stop
        row.update(wall_s=time.monotonic() - t0, status="killed", within=False,
                   error=f"fit still running after {hard_limit:g} s; stopped")
        row["overrun_s"] = row["wall_s"] - budget
        row["load1_end"] = os.getloadavg()[0]
        rss.kill_descendants()
        row["peak_rss_mb"] = rss.stop()
        print("ROW " + json.dumps(row), flush=True)
        os._exit(3)

    watchdog = threading.Timer(hard_limit, stop_runaway)
    watchdog.daemon = True
    row["load1_start"] = os.getloadavg()[0]
    watchdog.start()
    t0 = time.monotonic()
    try:
        est.fit(X_tr, y_tr)
    except Exception as exc:  # noqa: BLE001 - a failed fit is a result too
        row.update(status="error", error=f"{type(exc).__name__}: {exc}"[:500])
    wall = time.monotonic() - t0
    watchdog.cancel()
    row["load1_end"] = os.getloadavg()[0]
    row.update(wall_s=wall, overrun_s=wall - budget, within=wall <= limit_s(budget))
    if row["status"] == "ok":
        phases = getattr(est, "phase_times_", None)
        if phases:
            row["phase_times"] = json.dumps({str(k): float(v) for k, v in phases.items()})
            row.update(_phase_columns(phases, budget))
        row["n_trials"] = getattr(est, "n_trials_", "")
        row["n_ensemble"] = len(getattr(est, "ensemble_members_", []) or [])
        try:
            metric, score, name2, score2 = score_task(task, est, X_te, y_te)
            row.update(metric=metric, score=score, score2_name=name2, score2=score2)
        except Exception as exc:  # noqa: BLE001 - keep the timing
            row.update(status="score_error", error=f"{type(exc).__name__}: {exc}"[:500])
    if client is not None:
        client.close()
        cluster.close()
    row["peak_rss_mb"] = rss.stop()
    return row


def _n_jobs_text(n_jobs):
    return "none" if n_jobs is None else str(n_jobs)


# -- the plan and the CSV, in the parent ------------------------------------


def plan(args):
    """The runs of the selected groups: a list of spec dicts."""
    q = args.quick
    seed = args.seed
    specs = []

    def add(group, task, kind, budget, n_jobs, executor="default", size=None):
        specs.append({"group": group, "task": task, "kind": kind, "budget": budget,
                      "n_jobs": n_jobs, "executor": executor, "size": size,
                      "seed": seed})

    suite = {t["name"]: t for t in select_tasks()}
    for group in args.groups:
        if group == "dev":
            names = args.dev_tasks or (["credit_data"] if q else list(suite))
            for t in select_tasks(names):
                add("dev", t["name"], t["type"], 5.0 if q else 60.0, 2)
        elif group == "synthetic":
            sizes = args.sizes or (SIZES[:1] if q else SIZES)
            kinds = args.kinds or (KINDS[:1] if q else KINDS)
            budgets = args.budgets or ((3.0,) if q else BUDGETS)
            n_jobs = args.n_jobs or [None, 2]
            for size in sizes:
                for kind in kinds:
                    for budget in budgets:
                        for nj in n_jobs:
                            add("synthetic", f"synth_{kind}_{size}", kind, budget,
                                nj, size=size)
        elif group == "long":
            names = args.long_tasks or (LONG_TASKS[-1:] if q else LONG_TASKS)
            for t in select_tasks(names):
                add("long", t["name"], t["type"], 5.0 if q else 300.0, 2)
        elif group == "dask":
            names = args.dask_tasks or (["credit_data"] if q else DASK_TASKS)
            for t in select_tasks(names):
                add("dask", t["name"], t["type"], 5.0 if q else 60.0, 2,
                    executor=DASK_EXECUTOR)
        elif group == "nas":
            for task in ("nas_digits", "automl_digits_images"):
                add("nas", task, "multiclass", 5.0 if q else 60.0, 2)
    return specs


def estimate_s(specs):
    """Machine time to plan for: the sum of the budgets + ~10 %."""
    return 1.1 * sum(s["budget"] for s in specs)


class CsvAppender:
    """Append rows to a CSV, flushed one by one; new columns widen the header.

    A row with a column the file lacks (a new phase of ``phase_times_``)
    rewrites the file once with the wider header (atomically, via a
    temporary file), keeping every row written before.
    """

    def __init__(self, path, fields):
        self.path = Path(path)
        self.fields = list(fields)
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, newline="") as f:
                header = next(csv.reader(f), [])
            self.fields += [c for c in header if c not in self.fields]
            if header != self.fields:
                self._rewrite()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "w", newline="") as f:
                csv.DictWriter(f, fieldnames=self.fields).writeheader()

    def _rewrite(self):
        with open(self.path, newline="") as f:
            rows = list(csv.DictReader(f))
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.fields)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, self.path)

    def append(self, row):
        new = [k for k in row if k not in self.fields]
        if new:
            self.fields += new  # phases in the order the estimator lists them
            self._rewrite()
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=self.fields).writerow(row)
            f.flush()
            os.fsync(f.fileno())


def _describe(row):
    wall = row.get("wall_s")
    wall = f"{float(wall):7.2f}s" if wall not in (None, "") else "      -"
    over = row.get("overrun_s")
    over = f"{float(over):+6.2f}s" if over not in (None, "") else "     -"
    return (f"{row['group']:9s} {row['task']:24s} B={float(row['budget']):5g} "
            f"n_jobs={row['n_jobs']:4s} wall={wall} overrun={over} "
            f"within={row.get('within', '')} trials={row.get('n_trials', '')} "
            f"{row['status']} {row.get('error', '')}")


def code_version():
    """``git_commit()``, + "+dirty" while sklearn_automl/ has uncommitted changes.

    The checkout is shared: what a run measured may not be the commit alone.
    """
    commit = git_commit()
    try:
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain", "--",
             "sklearn_automl"], capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return commit
    return commit + "+dirty" if commit and dirty else commit


def run_all(specs, out, md):
    appender = CsvAppender(out, FIELDS)
    for i, spec in enumerate(specs, 1):
        fallback = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "group": spec["group"],
            "task": spec["task"], "kind": spec["kind"], "budget": spec["budget"],
            "n_jobs": _n_jobs_text(spec["n_jobs"]), "executor": spec["executor"],
            "limit_s": limit_s(spec["budget"]), "within": False,
        }
        commit = code_version()  # per run: the shared checkout changes
        cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
        # the child stops a runaway fit at 2 x budget + 60 s; this is the
        # last resort for a child stuck outside fit (loading, cluster start)
        timeout = 3 * spec["budget"] + 600
        print(f"[{i}/{len(specs)}] {spec['group']} {spec['task']} "
              f"budget={spec['budget']:g} n_jobs={_n_jobs_text(spec['n_jobs'])}",
              flush=True)
        try:
            row = run_child(cmd, fallback, timeout=timeout, error_lines=3)
        except subprocess.TimeoutExpired:
            row = {**fallback, "status": "timeout",
                   "error": f"child killed after {timeout:g} s"}
        row["commit"] = row.get("commit") or commit
        appender.append(row)
        print("   " + _describe(row), flush=True)
    from budget_summary import write_summary

    write_summary([out], md)
    print(f"rows appended to {out}; summary in {md}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--groups", nargs="+", choices=GROUPS, default=list(GROUPS))
    p.add_argument("--quick", action="store_true",
                   help="shrink each selected group to a smoke test (3-5 s budgets)")
    p.add_argument("--budgets", nargs="+", type=float, default=None,
                   help="synthetic: time budgets (default 10 30 60)")
    p.add_argument("--sizes", nargs="+", type=int, default=None,
                   help="synthetic: table rows (default 20000 200000)")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=None,
                   help="synthetic: kinds (default all three)")
    p.add_argument("--n-jobs", nargs="+", type=n_jobs_arg, default=None,
                   help="synthetic: the AutoML's n_jobs, 'none' for None "
                   "(default none 2)")
    p.add_argument("--dev-tasks", nargs="+", default=None,
                   help="dev: suite tasks (default all 10)")
    p.add_argument("--long-tasks", nargs="+", default=None,
                   help=f"long: suite tasks (default {' '.join(LONG_TASKS)})")
    p.add_argument("--dask-tasks", nargs="+", default=None,
                   help=f"dask: suite tasks (default {' '.join(DASK_TASKS)})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None,
                   help="CSV appended to (default "
                   "benchmarks/results/budget_adherence_<date>.csv)")
    p.add_argument("--md", default=str(HERE / "results" / "budget_adherence.md"),
                   help="the summary written at the end")
    p.add_argument("--summarize", nargs="+", metavar="CSV", default=None,
                   help="only write the summary of these CSVs to --md")
    p.add_argument("--dry-run", action="store_true",
                   help="print the runs and the estimate; run nothing")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print("ROW " + json.dumps(run_one(json.loads(args.child))), flush=True)
        return 0
    if args.summarize:
        from budget_summary import write_summary

        write_summary(args.summarize, args.md)
        print(f"summary in {args.md}")
        return 0
    specs = plan(args)
    if not specs:
        raise SystemExit("nothing to run")
    per_group = {}
    for s in specs:
        n, b = per_group.get(s["group"], (0, 0.0))
        per_group[s["group"]] = (n + 1, b + s["budget"])
    est = estimate_s(specs)
    print(f"{len(specs)} runs; estimated machine time {est / 60:.1f} min "
          f"(sum of budgets + ~10 %): " + ", ".join(
              f"{g} {n} runs {1.1 * b / 60:.1f} min" for g, (n, b) in per_group.items()),
          flush=True)
    if args.dry_run:
        for s in specs:
            print(f"  {s['group']} {s['task']} budget={s['budget']:g} "
                  f"n_jobs={_n_jobs_text(s['n_jobs'])} {s['executor']}")
        return 0
    out = args.out or str(
        HERE / "results" / f"budget_adherence_{time.strftime('%Y-%m-%d')}.csv")
    run_all(specs, out, args.md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
