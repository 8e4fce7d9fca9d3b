"""Leaks and orphans: 50 fits in one process, SIGKILL of a parallel search, fit in a thread.

1. ``fits``: 50 consecutive fits (tiny data, linear + LightGBM, 2 trials,
   2 folds) with ``n_jobs=None`` and with ``n_jobs=2``; resident memory,
   threads, open file descriptors and live worker processes after each.
2. ``kill``: a search with ``n_jobs=2`` in a child process is killed with
   SIGKILL while a slow trial runs; how many of its descendants are alive
   0.5, 2 and 5 s later, and whether the next search removed its data
   folder.
3. ``thread``: ``fit`` called from a non-main thread, ``n_jobs=None``,
   ``time_budget=5``, a custom estimator whose fit blocks for 30 s: wall
   time with the default executor and with ``executor="sequential"``
   (the behaviour before worker processes were chosen for threads).

Usage::

    nice -n 19 python benchmarks/process_hygiene.py \\
        --output benchmarks/results/process_hygiene.md
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings

import numpy as np
import psutil
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from sklearn_automl import AutoMLClassifier
from sklearn_automl._execution import ProcessExecutor


class Hanging(ClassifierMixin, BaseEstimator):
    """A fit that blocks for ``seconds``."""

    def __init__(self, seconds=30.0):
        self.seconds = seconds

    def fit(self, X, y):
        threading.Event().wait(self.seconds)
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))

    def predict(self, X):
        return self.classes_[np.zeros(len(X), dtype=int)]


def _workers():
    me = psutil.Process()
    return [p for p in me.children(recursive=True) if p.ppid() != me.pid
            and p.status() != psutil.STATUS_ZOMBIE]


def fits(n_fits):
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 2
    me = psutil.Process()
    out = {}
    for n_jobs in (None, 2):
        rows = []
        for _ in range(n_fits):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                AutoMLClassifier(
                    estimators=[("logistic", LogisticRegression(), {}), "lightgbm"],
                    time_budget=None, max_trials=2, cv=2, n_jobs=n_jobs,
                    random_state=0).fit(X, y)
            rows.append((me.memory_info().rss / 2**20, me.num_threads(), me.num_fds(),
                         len(_workers()), len(me.children(recursive=True))))
        out[n_jobs] = np.array(rows)
    return out


def kill(repeats):
    tmp = tempfile.mkdtemp()
    marker = os.path.join(tmp, "started")
    script = os.path.join(tmp, "run.py")
    with open(script, "w") as f:
        f.write(textwrap.dedent(f"""
            import numpy as np
            from sklearn.linear_model import LogisticRegression
            from process_hygiene import Hanging
            from sklearn_automl import AutoMLClassifier

            class Slow(Hanging):
                def fit(self, X, y):
                    open({marker!r}, "w").close()
                    return super().fit(X, y)

            rng = np.random.default_rng(0)
            X, y = rng.normal(size=(60, 3)), np.arange(60) % 2
            AutoMLClassifier(
                estimators=[("slow", Slow(300), {{}}),
                            ("good", LogisticRegression(), {{}})],
                time_budget=None, max_trials=4, cv=2, n_jobs=2, random_state=0,
            ).fit(X, y)
        """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.abspath(__file__)), *sys.path]))
    rows = []
    for _ in range(repeats):
        if os.path.exists(marker):
            os.remove(marker)
        proc = subprocess.Popen([sys.executable, script], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 120
        while not os.path.exists(marker) and time.monotonic() < end:
            time.sleep(0.05)
        descendants = psutil.Process(proc.pid).children(recursive=True)
        folders = glob.glob(os.path.join(tempfile.gettempdir(),
                                         f"sklearn_automl_data_{proc.pid}_*"))
        proc.kill()
        proc.wait()
        t0 = time.monotonic()
        alive = {}
        for at in (0.5, 2.0, 5.0):
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            alive[at] = sum(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                            for p in descendants)
        left = sum(os.path.exists(f) for f in folders)
        executor = ProcessExecutor(1)  # what the next search does first
        executor.start(np.zeros((4, 1)), np.arange(4) % 2, [], None)
        executor.close()
        rows.append((len(descendants), alive[0.5], alive[2.0], alive[5.0], left,
                     sum(os.path.exists(f) for f in folders)))
    return rows


def thread():
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 2
    rows = {}
    for executor in (None, "sequential"):
        model = AutoMLClassifier(
            estimators=[("good", LogisticRegression(), {}), ("hang", Hanging(30), {})],
            time_budget=5, cv=2, executor=executor, random_state=0)
        t0 = time.monotonic()
        runner = threading.Thread(target=model.fit, args=(X, y))
        runner.start()
        runner.join()
        status = {t.family: t.status for t in model.history_.trials}
        rows[executor or "default"] = (time.monotonic() - t0, status.get("hang"))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=50)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    lines = ["## 1. Consecutive fits", "",
             ("| n_jobs | after fit | RSS MB | threads | fds | live workers | "
              "children |"), "|---|---|---|---|---|---|---|"]
    for n_jobs, rows in fits(args.fits).items():
        for i in sorted({0, 1, 9, len(rows) - 1}):
            r = rows[i]
            lines.append(f"| {n_jobs} | {i + 1} | {r[0]:.1f} | {int(r[1])} | "
                         f"{int(r[2])} | {int(r[3])} | {int(r[4])} |")
        lines.append(
            f"| {n_jobs} | 2..{len(rows)} range | {np.ptp(rows[1:, 0]):.1f} | "
            f"{int(np.ptp(rows[1:, 1]))} | {int(np.ptp(rows[1:, 2]))} | "
            f"{int(rows[:, 3].max())} max | {int(np.ptp(rows[1:, 4]))} |")
    lines += ["", "## 2. SIGKILL of the search's process (n_jobs=2)", "",
              ("| run | descendants | alive after 0.5 s | 2 s | 5 s | data folders "
               "left | after the next search |"), "|---|---|---|---|---|---|---|"]
    for i, r in enumerate(kill(args.kills)):
        lines.append(f"| {i + 1} | " + " | ".join(str(v) for v in r) + " |")
    lines += ["", "## 3. fit in a thread, n_jobs=None, time_budget=5, a 30 s hang",
              "", "| executor | wall s | hanging trial |", "|---|---|---|"]
    for name, (seconds, status) in thread().items():
        lines.append(f"| {name} | {seconds:.1f} | {status} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
