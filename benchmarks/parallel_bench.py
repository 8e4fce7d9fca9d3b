"""Parallel execution: throughput, budget under hanging trials, peak memory.

    flock /tmp/bench.lock python benchmarks/parallel_bench.py all
    python benchmarks/parallel_bench.py throughput [--trials 40]
    python benchmarks/parallel_bench.py faults [--budget 20]
    python benchmarks/parallel_bench.py memory [--trials 8] [--rows 1000000]

Each run appends its table, with the date, command and load average, to
``benchmarks/results/parallel_<what>.md`` (``--no-save`` to only print).

throughput
    Trials per minute of one search of small models (linear, k-NN, random
    forest, extra trees on 3,000 x 20, 3-fold CV, random search,
    ``max_trials``) sequentially (``n_jobs=None``), with ``n_jobs=2`` worker
    processes, and on a 2-worker ``distributed.LocalCluster``. The whole
    ``fit`` is timed (worker start, data dump and refit included). Also the
    CPU seconds of the whole process tree (workers included): their ratio to
    the sequential run's, per trial, is the parallel overhead, and
    ``workers / ratio`` bounds the wall speed-up on otherwise idle cores
    (useful when the machine is shared and wall times are not).
faults
    Whole-``fit`` wall time under a ``time_budget`` when some trials hang
    in C code (signals blocked, so only a kill stops them) or spin in
    Python, with ``n_jobs=2``; the goal is ``budget + 5% + 1 s``.
memory
    Peak memory of a search on the largest development task (diamonds,
    40k rows) with ``n_jobs=None`` vs ``n_jobs=2``: the sum over the process
    tree (this process, the fork server, the workers) of the proportional
    set size (PSS: a page shared by k processes counts 1/k, so memory-mapped
    data counted once), sampled every 0.1 s.

Print a markdown table; record ``uptime`` next to it (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sklearn_automl import AutoMLClassifier, AutoMLRegressor


def _load():
    return os.getloadavg()[0]


# ---------------------------------------------------------------- throughput
def _cpu_seconds(pid):
    """utime + stime of ``pid`` in seconds (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


class _CpuMeter(threading.Thread):
    """CPU seconds of this process tree (workers included) during a block."""

    def __init__(self):
        super().__init__(daemon=True)
        self._halt = threading.Event()
        self.start_cpu = {p: _cpu_seconds(p) for p in _tree_pids(os.getpid())}
        self.last = dict(self.start_cpu)

    def run(self):
        while not self._halt.is_set():
            for p in _tree_pids(os.getpid()):
                self.last[p] = max(self.last.get(p, 0.0), _cpu_seconds(p))
            time.sleep(0.05)

    def stop(self):
        self._halt.set()
        self.join()
        for p in _tree_pids(os.getpid()):
            self.last[p] = max(self.last.get(p, 0.0), _cpu_seconds(p))
        return sum(v - self.start_cpu.get(p, 0.0) for p, v in self.last.items())


def _timed(make):
    meter = _CpuMeter()
    meter.start()
    t0 = time.perf_counter()
    est = make()
    wall = time.perf_counter() - t0
    return est, wall, meter.stop()


def throughput(args):
    X, y = make_classification(n_samples=3000, n_features=20, random_state=0)
    kw = {
        "estimators": ["linear", "knn", "random_forest", "extra_trees"],
        "max_trials": args.trials, "time_budget": None, "cv": 3, "random_state": 0,
    }
    rows = []
    for name, extra in [("n_jobs=None (in process)", {}), ("n_jobs=2 (processes)",
                                                            {"n_jobs": 2})]:
        clf, wall, cpu = _timed(lambda extra=extra: AutoMLClassifier(**kw, **extra).fit(
            X, y))
        rows.append((name, clf.n_trials_, wall, cpu, 1 if not extra else 2, _load()))
    try:
        import distributed
    except ImportError:
        distributed = None
    if distributed is not None:
        import logging

        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
        try:
            clf, wall, cpu = _timed(lambda: AutoMLClassifier(executor=client, **kw).fit(
                X, y))
            rows.append(("LocalCluster 2 workers x 1 thread", clf.n_trials_, wall, cpu,
                         2, _load()))
        finally:
            client.close()
            cluster.close()
    base = rows[0][1] / rows[0][2]
    base_cpu = rows[0][3] / rows[0][1]
    _emit("| executor | trials | fit wall (s) | trials/min | speed-up | CPU s (tree) "
          "| CPU s per trial vs sequential | speed-up bound on idle cores | load1 |")
    _emit("|---|---|---|---|---|---|---|---|---|")
    for name, n, wall, cpu, workers, load in rows:
        rate = n / wall
        ratio = (cpu / n) / base_cpu
        _emit(f"| {name} | {n} | {wall:.1f} | {60 * rate:.1f} | {rate / base:.2f}x "
              f"| {cpu:.1f} | {ratio:.2f}x | {workers / ratio:.2f}x | {load:.2f} |")


# -------------------------------------------------------------------- faults
class Hang(ClassifierMixin, BaseEstimator):
    """Blocks SIGALRM and sleeps: like a C call that never returns."""

    def __init__(self, how="c"):
        self.how = how

    def fit(self, X, y):
        if self.how == "c":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(3600)
        while True:
            pass


def faults(args):
    X, y = make_classification(n_samples=2000, n_features=20, random_state=0)
    est = [
        ("linear", LogisticRegression(), {}),
        ("hang_c", Hang("c"), {}),
        ("spin_py", Hang("py"), {}),
        "random_forest",
        "knn",
    ]
    _emit("| setting | budget (s) | fit wall (s) | overrun (s) | allowed (s) | "
          "statuses | load1 |")
    _emit("|---|---|---|---|---|---|---|")
    for timeout in ["auto", None]:
        budget = args.budget
        clf = AutoMLClassifier(
            estimators=est, n_jobs=2, time_budget=budget, trial_timeout=timeout,
            cv=3, random_state=0,
        )
        t0 = time.perf_counter()
        clf.fit(X, y)
        wall = time.perf_counter() - t0
        counts = clf.leaderboard_["status"].value_counts().to_dict()
        _emit(f"| n_jobs=2, trial_timeout={timeout!r} | {budget} | {wall:.2f} | "
              f"{wall - budget:+.2f} | {0.05 * budget + 1:.2f} | {counts} | "
              f"{_load():.2f} |")


# -------------------------------------------------------------------- memory
def _tree_pids(root):
    """``root`` and all its descendants (from /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _pss_mb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


class _Sampler(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0.0
        self.peak_workers = 0
        self.peak_parent = 0.0
        self.peak_child = 0.0
        self._halt = threading.Event()

    def run(self):
        me = os.getpid()
        while not self._halt.is_set():
            pids = _tree_pids(me)
            pss = {p: _pss_mb(p) for p in pids}
            self.peak = max(self.peak, sum(pss.values()))
            self.peak_parent = max(self.peak_parent, pss.get(me, 0.0))
            self.peak_child = max([self.peak_child] + [v for p, v in pss.items()
                                                       if p != me])
            self.peak_workers = max(self.peak_workers, len(pids) - 1)
            time.sleep(0.1)

    def stop(self):
        self._halt.set()
        self.join()


def _peak(make, n_jobs):
    sampler = _Sampler()
    sampler.start()
    t0 = time.perf_counter()
    est = make(n_jobs)
    wall = time.perf_counter() - t0
    sampler.stop()
    _emit(f"| {n_jobs} | {est.n_trials_} | {wall:.1f} | {sampler.peak:.0f} | "
          f"{sampler.peak_parent:.0f} | {sampler.peak_child:.0f} | "
          f"{1 + sampler.peak_workers} | {_load():.2f} |")


def memory(args):
    from _suite import load_suite, load_task

    header = ("| n_jobs | trials | fit wall (s) | peak PSS of the process tree (MB) | "
              "peak PSS this process | peak PSS one worker | processes | load1 |\n"
              "|---|---|---|---|---|---|---|---|")
    if args.rows:
        from sklearn.datasets import make_regression

        X, y = make_regression(n_samples=args.rows, n_features=20, random_state=0)
        _emit(f"synthetic: {X.shape}, {X.nbytes / 2**20:.0f} MB")
        _emit(header)
        for n_jobs in [None, 2]:
            _peak(lambda n: AutoMLRegressor(
                estimators=["linear"], max_trials=args.trials, time_budget=None,
                cv=0.2, random_state=0, n_jobs=n,
            ).fit(X, y), n_jobs)
        return
    suite = load_suite()
    task = next(t for t in suite["tasks"] if t["name"] == "diamonds")
    X, _, y, _ = load_task(task, suite["split"])
    _emit(f"diamonds train: {X.shape}, {X.memory_usage(deep=True).sum() / 2**20:.1f} MB "
          "in memory")
    _emit(header)
    for n_jobs in [None, 2]:
        _peak(lambda n: AutoMLRegressor(
            estimators=["linear", "lightgbm"], max_trials=args.trials, time_budget=None,
            cv=3, random_state=0, n_jobs=n,
        ).fit(X, y), n_jobs)


_LINES = []


def _emit(line=""):
    print(line, flush=True)
    _LINES.append(line)


def _save(what, argv):
    path = HERE / "results" / f"parallel_{what}.md"
    head = (f"\n## {time.strftime('%Y-%m-%d %H:%M')} `python benchmarks/parallel_bench.py "
            f"{' '.join(argv)}`\n\nload average before/after: {_LINES_LOAD[0]} / "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
            f"{os.cpu_count()} cores\n")
    with open(path, "a") as f:
        f.write(head + "\n" + "\n".join(_LINES) + "\n")
    _LINES.clear()


_LINES_LOAD = []


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["throughput", "faults", "memory", "all"])
    p.add_argument("--trials", type=int, default=None)
    p.add_argument("--budget", type=float, default=20.0)
    p.add_argument("--rows", type=int, default=0,
                   help="memory: a synthetic float64 table of this many rows x 20")
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args(argv)
    runs = {"throughput": throughput, "faults": faults, "memory": memory}
    if args.what == "all":  # each in a fresh process: no fork server left over
        import subprocess

        extra = ["--no-save"] if args.no_save else []
        for what, more in [("throughput", []), ("faults", []), ("memory", []),
                           ("memory", ["--rows", "1000000", "--trials", "4"])]:
            subprocess.run([sys.executable, __file__, what, *more, *extra], check=True)
        return
    for what in [args.what]:
        sub = argparse.Namespace(**vars(args))
        if sub.trials is None:
            sub.trials = {"throughput": 40, "memory": 8}.get(what, 0)
        _LINES_LOAD[:] = [" ".join(f"{x:.2f}" for x in os.getloadavg())]
        runs[what](sub)
        if not args.no_save:
            _save(what, argv)


if __name__ == "__main__":
    main()
