"""Peak memory of one fit's processes, by role (parent, fork server, workers).

Runs ``AutoMLClassifier``/``AutoMLRegressor`` on one wide-suite task in this
process and samples every process of the tree every 0.2 s: RSS and PSS
(``/proc/PID/smaps_rollup``; a page shared by forked processes counts once
in all in PSS), and whether the process has mapped torch. Prints the peak per
role and the peak of the sums. Linux only.

    python benchmarks/memory_breakdown.py college --budget 60 --n-jobs 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _memory(pid):
    """``{"rss": MB, "pss": MB}`` of ``pid`` (None once it is gone)."""
    import psutil
    from wide_eval import _pss_bytes

    try:
        rss = psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return None
    pss = _pss_bytes(pid)
    return {"rss": rss / 2**20, "pss": (pss or 0) / 2**20}


def _has_torch(pid):
    try:
        with open(f"/proc/{pid}/maps") as f:
            return any("libtorch" in line for line in f)
    except OSError:
        return False


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def _role(pid, depth):
    """parent (depth 0), its helpers (fork server, resource tracker), workers."""
    if depth == 0:
        return "parent"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "forkserver" in cmd:  # its children, forked from it, keep its command line
        return "fork server" if depth == 1 else "worker"
    return "worker" if depth > 1 else "child"


def sample(root, stop, peaks, interval=0.2):
    while not stop.is_set():
        tree, frontier = [], [(root, 0)]
        while frontier:
            pid, depth = frontier.pop()
            tree.append((pid, depth))
            frontier.extend((c, depth + 1) for c in _children(pid))
        total = {"rss": 0.0, "pss": 0.0}
        for pid, depth in tree:
            m = _memory(pid)
            if m is None:
                continue
            role = _role(pid, depth)
            key = (role, pid)
            p = peaks["procs"].setdefault(key, {"rss": 0.0, "pss": 0.0, "torch": False})
            p["rss"], p["pss"] = max(p["rss"], m["rss"]), max(p["pss"], m["pss"])
            if role == "worker" and not p["torch"]:
                p["torch"] = _has_torch(pid)
            total["rss"] += m["rss"]
            total["pss"] += m["pss"]
        peaks["sum_rss"] = max(peaks["sum_rss"], total["rss"])
        peaks["sum_pss"] = max(peaks["sum_pss"], total["pss"])
        stop.wait(interval)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task")
    p.add_argument("--budget", type=float, default=60.0)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--extra", default="{}", help="JSON of extra AutoML parameters")
    args = p.parse_args(argv)
    from _suite import load_suite, load_task

    from sklearn_automl import AutoMLClassifier, AutoMLRegressor

    suite = load_suite(HERE / "wide_suite.json")
    task = next(t for t in suite["tasks"] if t["name"] == args.task)
    X_train, _, y_train, _ = load_task(task, suite["split"])
    cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
    params = {"time_budget": args.budget, "n_jobs": args.n_jobs, "random_state": 0}
    params.update(json.loads(args.extra))  # e.g. {"time_budget": null, "max_trials": 30}
    model = cls(**params)
    peaks = {"procs": {}, "sum_rss": 0.0, "sum_pss": 0.0}
    stop = threading.Event()
    thread = threading.Thread(target=sample, args=(os.getpid(), stop, peaks), daemon=True)
    thread.start()
    t0 = time.monotonic()
    model.fit(X_train, y_train)
    fit_s = time.monotonic() - t0
    stop.set()
    thread.join()
    families = model.leaderboard_.family.value_counts().to_dict()
    print(f"{args.task}: fit {fit_s:.1f} s, {model.n_trials_} trials {families}, "
          f"best {model.best_family_}")
    phases = ", ".join(f"{k} {v:.2f}" for k, v in model.phase_times_.items())
    print(f"phases (s): {phases}; validation: {model.validation_}")
    print(f"peak of the sums: RSS {peaks['sum_rss']:.0f} MB, PSS {peaks['sum_pss']:.0f} MB")
    print("| role | pid | peak RSS MB | peak PSS MB | torch mapped |")
    print("|---|---|---|---|---|")
    for (role, pid), v in sorted(peaks["procs"].items()):
        print(f"| {role} | {pid} | {v['rss']:.0f} | {v['pss']:.0f} | "
              f"{'yes' if v['torch'] else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
