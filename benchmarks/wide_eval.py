"""The wide evaluation of issue 19: sklearn_automl and its peers on benchmarks/wide_suite.json.

Every (budget, seed, task, system) runs in its own process, one after another,
on the dev suite's split (75/25, random_state=0, stratified for classification)
with the dev suite's metrics, and appends one row to ``--out``:

- ``automl`` (and every label of ``--variants``): sklearn_automl in this venv,
  through ``dev_suite.run_one`` (scoring as the suite's metric, ``n_jobs``);
- ``lgbm_default``: LightGBM's defaults, as ``dev_suite.run_one`` fits them;
- ``flaml``: FLAML's AutoML (benchmarks/peers/.venv-flaml), metric as the suite's;
- ``autogluon``: AutoGluon-Tabular ``presets="medium_quality"``
  (benchmarks/peers/.venv-autogluon), ``num_cpus=n_jobs``, no GPU.

The peers' venvs come from ``benchmarks/peers/setup_peers.sh``. Rows carry the
score and a second metric, fit wall and predict seconds, the peak resident memory
of the child's whole process tree (``peak_tree_mb``, summed RSS: sampled every
0.2 s, and at least the ru_maxrss of the process and of its waited children;
``peak_tree_pss_mb``, summed PSS, where a page shared by forked processes counts
once in all, sampled with it on Linux), the load average
at start and end, the versions, and the commit (``dirty`` when sklearn_automl/
has uncommitted changes).

A (task, system, seed, budget) already done (status ok) in ``--out`` is skipped,
so an interrupted run resumes. ``--reuse CSV...`` copies the peers' rows
(lgbm_default, flaml, autogluon) of earlier runs into ``--out`` instead of running
them again: the peers do not change between decisions, so they run once per budget.

    # peers once per budget (about 2 h of machine time at 60 s on the 41 tasks)
    flock /tmp/bench.lock nice -n 19 .venv/bin/python benchmarks/wide_eval.py \\
        --budgets 60 --systems lgbm_default flaml autogluon \\
        --out benchmarks/results/wide_peers_B60.csv
    # then only sklearn_automl per decision, the peers' rows reused
    flock /tmp/bench.lock nice -n 19 .venv/bin/python benchmarks/wide_eval.py \\
        --budgets 60 --systems automl --seeds 0 1 2 \\
        --reuse benchmarks/results/wide_peers_B60.csv \\
        --out benchmarks/results/wide_eval_B60.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
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
    run_child,
    score_task,
    select_tasks,
)

SUITE = HERE / "wide_suite.json"
PEERS = ("lgbm_default", "flaml", "autogluon")
PEER_PYTHON = {"flaml": HERE / "peers" / ".venv-flaml" / "bin" / "python",
               "autogluon": HERE / "peers" / ".venv-autogluon" / "bin" / "python"}
FIELDS = [
    "date", "task", "type", "n_train", "n_test", "n_features", "system", "version",
    "seed", "budget", "n_jobs", "metric", "score", "score2_name", "score2", "fit_s",
    "predict_s", "peak_tree_mb", "peak_tree_pss_mb", "peak_rss_mb", "n_trials", "n_configs", "n_full",
    "best_family", "best_model", "load1_start", "load1_end", "versions", "commit",
    "dirty", "source", "status", "error",
]
FLAML_METRIC = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}


# ---------------------------------------------------------------- in the child

def _pss_bytes(pid):
    """Proportional set size of ``pid`` from /proc/<pid>/smaps_rollup (None off Linux)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class TreeMemory:
    """Peaks of the summed RSS and PSS of this process and its descendants (MB).

    RSS counts a page shared by several processes (the libraries a forked
    worker shares with its fork server) once per process; PSS divides it
    among them, so ``pss_peak`` is what the tree takes from the machine.
    Both are sampled together; PSS is None where smaps_rollup is missing.
    """

    def __init__(self, interval=0.2):
        import psutil

        self._proc = psutil.Process()
        self._psutil = psutil
        self.peak = 0.0
        self.pss_peak = 0.0
        self._pss = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._interval = interval

    def sample(self):
        total = pss = 0
        procs = [self._proc]
        try:
            procs += self._proc.children(recursive=True)
        except self._psutil.Error:
            pass
        for p in procs:
            try:
                total += p.memory_info().rss
            except self._psutil.Error:
                continue
            if self._pss:
                share = _pss_bytes(p.pid)
                if share is None and p.pid == self._proc.pid:
                    self._pss = False  # no smaps_rollup here
                pss += share or 0
        self.peak = max(self.peak, total / 2**20)
        if self._pss:
            self.pss_peak = max(self.pss_peak, pss / 2**20)

    def _run(self):
        while not self._stop.wait(self._interval):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        import resource

        usage = [resource.getrusage(w).ru_maxrss / 1024.0 for w in
                 (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        self.peak = max(self.peak, *usage)


def watchdog(limit):
    """Kill this process tree after ``limit`` seconds (a hung peer ends its row)."""
    def fire():
        import psutil

        print(f"watchdog: killed after {limit:.0f} s", file=sys.stderr, flush=True)
        for p in psutil.Process().children(recursive=True):
            try:
                p.kill()
            except psutil.Error:
                pass
        os._exit(3)

    t = threading.Timer(limit, fire)
    t.daemon = True
    t.start()


def versions(*modules):
    out = {"python": platform.python_version()}
    for name in ("numpy", "pandas", "sklearn", "lightgbm", *modules):
        try:
            out[name] = __import__(name).__version__
        except (ImportError, AttributeError) as exc:
            out[name] = f"absent ({type(exc).__name__})"
    return json.dumps(out, sort_keys=True)


def run_flaml(task, budget, seed, n_jobs):
    import flaml

    X_tr, X_te, y_tr, y_te = load_task(task, load_suite(SUITE)["split"])
    row = base_row(task, "flaml", budget, seed, X_tr, X_te)
    row["version"] = flaml.__version__
    row["versions"] = versions("flaml", "xgboost")
    model = flaml.AutoML()
    t0 = time.perf_counter()
    model.fit(X_tr, y_tr, task="regression" if task["type"] == "regression"
              else "classification", metric=FLAML_METRIC[task["type"]],
              time_budget=budget, n_jobs=n_jobs, seed=seed, verbose=0)
    row["fit_s"] = time.perf_counter() - t0
    row["best_model"] = model.best_estimator
    return finish(row, task, model, X_te, y_te)


def run_autogluon(task, budget, seed, n_jobs):
    import tempfile

    import autogluon.tabular as agt
    import numpy as np
    from autogluon_devsuite import EVAL_METRIC, _Fitted

    X_tr, X_te, y_tr, y_te = load_task(task, load_suite(SUITE)["split"])
    row = base_row(task, "autogluon", budget, seed, X_tr, X_te)
    row["version"] = agt.__version__
    row["versions"] = versions("autogluon.core", "torch", "catboost", "xgboost")
    train = X_tr.copy()
    train["__target__"] = y_tr.to_numpy()
    with tempfile.TemporaryDirectory() as path:
        t0 = time.perf_counter()
        predictor = agt.TabularPredictor(
            label="__target__", problem_type=task["type"],
            eval_metric=EVAL_METRIC[task["type"]], path=path, verbosity=0,
        ).fit(train, time_limit=budget, presets="medium_quality", num_cpus=n_jobs,
              num_gpus=0)
        row["fit_s"] = time.perf_counter() - t0
        row["best_model"] = predictor.model_best
        classes = None if task["type"] == "regression" else np.array(sorted(set(y_tr)))
        return finish(row, task, _Fitted(predictor, classes), X_te, y_te)


def run_sklearn_automl(task, system, budget, seed, n_jobs, extra):
    os.environ["DEV_SUITE"] = str(SUITE)  # dev_suite.run_one reads the split from it
    from dev_suite import run_one

    row = run_one(task, system, budget, seed, n_jobs, extra)
    row["versions"] = versions("sklearn_automl")
    return row


def base_row(task, system, budget, seed, X_tr, X_te):
    return {"date": time.strftime("%Y-%m-%d"), "task": task["name"], "type": task["type"],
            "n_train": len(X_tr), "n_test": len(X_te), "n_features": X_tr.shape[1],
            "system": system, "seed": seed, "budget": budget, "status": "ok", "error": ""}


def finish(row, task, model, X_te, y_te):
    t1 = time.perf_counter()
    metric, score, name2, score2 = score_task(task, model, X_te, y_te)
    row["predict_s"] = time.perf_counter() - t1
    row.update(metric=metric, score=score, score2_name=name2, score2=score2)
    return row


def child(spec):
    task, system, seed, budget = spec["task"], spec["system"], spec["seed"], spec["budget"]
    n_jobs = spec["n_jobs"]
    watchdog(spec["limit"])
    load0 = os.getloadavg()[0]
    with TreeMemory() as mem:
        if system == "flaml":
            row = run_flaml(task, budget, seed, n_jobs)
        elif system == "autogluon":
            row = run_autogluon(task, budget, seed, n_jobs)
        else:
            row = run_sklearn_automl(task, system, budget, seed, n_jobs, spec["extra"])
    import resource

    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    row.update(peak_tree_mb=mem.peak, peak_tree_pss_mb=mem.pss_peak if mem._pss else "",
               load1_start=load0, load1_end=os.getloadavg()[0],
               n_jobs=n_jobs)
    return row


# --------------------------------------------------------------- in the parent

def key(row):
    return (row["task"], row["system"], str(int(float(row["seed"]))),
            f"{float(row['budget']):g}")


def read_header(path):
    with open(path, newline="") as f:
        return next(csv.reader(f), FIELDS)


def read_rows(path):
    path = Path(path)
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def git_commit_of(path):
    """Short hash of the checkout at ``path`` ('' if unknown)."""
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def sklearn_automl_dirty(root=HERE.parent):
    try:
        out = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--",
                              "sklearn_automl"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    return "dirty" if out.strip() else "clean"


def python_of(system, args):
    if system in PEER_PYTHON:
        py = Path(getattr(args, f"python_{system}") or PEER_PYTHON[system])
        if not py.exists():
            raise SystemExit(f"{system}: no {py}; run benchmarks/peers/setup_peers.sh")
        return str(py)
    return sys.executable


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budgets", nargs="+", type=float, default=[60.0])
    p.add_argument("--systems", nargs="+", default=["automl", *PEERS])
    p.add_argument("--tasks", nargs="*", default=None, help="task names (default: all)")
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--n-jobs", type=int, default=2, help="cores of every system")
    p.add_argument("--extra", default="{}", help="JSON of extra AutoML parameters")
    p.add_argument("--variants", default="{}",
                   help="JSON {label: {AutoML params}}: each label is a system to run "
                   "(sklearn_automl with --extra and these parameters)")
    p.add_argument("--checkout", nargs="*", default=[], metavar="LABEL=PATH",
                   help="run system LABEL as sklearn_automl imported from the checkout "
                   "PATH (a git worktree of another commit), so code before and after a "
                   "change runs in the same benchmark run, task by task")
    p.add_argument("--reuse", nargs="*", default=[],
                   help="CSVs whose peer rows (status ok) are copied instead of rerun")
    p.add_argument("--suite", default=str(SUITE))
    p.add_argument("--python-flaml", default=None)
    p.add_argument("--python-autogluon", default=None)
    p.add_argument("--limit-factor", type=float, default=3.0,
                   help="a child is killed after budget * this + 300 s")
    p.add_argument("--out", required=True)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print("ROW " + json.dumps(child(json.loads(args.child))), flush=True)
        return 0

    tasks = select_tasks(args.tasks, args.suite)
    if args.tasks:  # in the order given: a run cut short has covered every kind
        tasks.sort(key=lambda t: args.tasks.index(t["name"]))
    checkouts = {}
    for item in args.checkout:
        label, sep, path = item.partition("=")
        if not sep or not (Path(path) / "sklearn_automl" / "__init__.py").exists():
            raise SystemExit(f"--checkout {item!r}: expected LABEL=PATH, PATH a checkout "
                             "holding sklearn_automl/")
        checkouts[label] = str(Path(path).resolve())
    variants = json.loads(args.variants)
    extra = json.loads(args.extra)
    done = {key(r) for r in read_rows(args.out) if r.get("status") == "ok"}
    reusable = {}
    for path in args.reuse:
        for r in read_rows(path):
            if r["system"] in PEERS and r.get("status") == "ok":
                reusable.setdefault(key(r), {**r, "source": str(path)})
    commit, dirty = git_commit(), sklearn_automl_dirty()
    out = Path(args.out)
    new = not out.exists()
    # a CSV begun before a column was added keeps its own header (and lacks it)
    fields = FIELDS if new else list(read_header(out))
    with open(out, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        if new:
            writer.writeheader()
        for budget in args.budgets:
            for seed in args.seeds:
                for task in tasks:
                    for system in args.systems:
                        k = (task["name"], system, str(seed), f"{budget:g}")
                        if k in done:
                            continue
                        if k in reusable:
                            writer.writerow(reusable[k])
                            f.flush()
                            print(f"{task['name']:22s} {system:13s} reused", flush=True)
                            continue
                        limit = budget * args.limit_factor + 300
                        spec = {"task": task, "system": system, "seed": seed,
                                "budget": budget, "n_jobs": args.n_jobs, "limit": limit,
                                "extra": {**extra, **variants.get(system, {})}}
                        cmd = [python_of(system, args), __file__, "--out", args.out,
                               "--child", json.dumps(spec)]
                        fallback = {"task": task["name"], "type": task["type"],
                                    "system": system, "seed": seed, "budget": budget,
                                    "n_jobs": args.n_jobs,
                                    "date": time.strftime("%Y-%m-%d")}
                        env = None
                        if system in checkouts:
                            env = {**os.environ, "PYTHONPATH": checkouts[system]}
                            fallback["commit"] = git_commit_of(checkouts[system])
                        try:
                            row = run_child(cmd, fallback, timeout=limit + 120,
                                            error_lines=3, env=env)
                        except subprocess.TimeoutExpired:
                            row = {**fallback, "status": "error",
                                   "error": f"no row after {limit + 120:.0f} s"}
                        if system in checkouts:
                            row["commit"] = git_commit_of(checkouts[system])
                            row["dirty"] = sklearn_automl_dirty(checkouts[system])
                        else:
                            row.setdefault("commit", commit)
                            row["dirty"] = dirty if system not in PEERS else ""
                        row["source"] = ""
                        writer.writerow(row)
                        f.flush()
                        print(f"{row['task']:22s} {system:13s} seed={seed} B={budget:g} "
                              f"{row.get('metric', '')}={row.get('score', float('nan'))} "
                              f"fit={float(row.get('fit_s') or 0):.1f}s "
                              f"tree={float(row.get('peak_tree_mb') or 0):.0f}MB "
                              f"{row['status']} {row.get('error', '')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
