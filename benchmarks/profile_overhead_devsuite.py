"""Share of the trials' time that the per-trial cost measurement takes, on
the whole development suite (issue 16's goal: under 5 %).

For each task, one after another in this process: one search of
``--budget`` seconds (``random_state=0``, ``ensemble_size=0``, otherwise the
defaults: every trial is measured, constrained or not), then for each
successful trial its fit, predict (score) and measurement
(``profile["profile_time_s"]``) seconds, its duration, and whether all of
the profile columns were measured (not NaN). One CSV row per trial, tagged
with ``--label`` and the commit of the imported ``sklearn_automl``.

    cat /proc/loadavg
    nice -n 19 python benchmarks/profile_overhead_devsuite.py --budget 30 \\
        --label after --out benchmarks/results/profile_overhead.csv
    cat /proc/loadavg
    python benchmarks/profile_overhead_devsuite.py --report \\
        benchmarks/results/profile_overhead.csv

``--src DIR`` imports ``sklearn_automl`` from ``DIR`` (a snapshot, e.g.
``git archive <commit> sklearn_automl | tar -x -C DIR``) instead of the
editable install, so that a before/after pair runs committed code only
while others edit the working tree; ``--commit`` then names the commit.

``--report`` prints the Markdown tables (per label and task: trials,
measurement seconds, trial seconds, share, the largest share of one trial,
the trials with every column measured).
"""

from __future__ import annotations

import argparse
import csv
import math
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _suite import load_suite, load_task, select_tasks

FIELDS = ["label", "commit", "task", "trial_id", "family", "fit_s", "predict_s",
          "profile_s", "trial_s", "all_columns", "batch_calls", "single_calls"]


def _commit(path):
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _import_from(src):
    """Import ``sklearn_automl`` from the tree ``src``, not the editable install."""
    sys.meta_path[:] = [f for f in sys.meta_path
                        if "editable" not in getattr(f, "__module__", "")
                        and "editable" not in getattr(f, "__name__", "")]
    sys.path.insert(0, str(Path(src).resolve()))


def run(args):
    if args.src:
        _import_from(args.src)
    import sklearn_automl
    import sklearn_automl._evaluate as evaluate_module
    import sklearn_automl._profile as profile_module
    from sklearn_automl import AutoMLClassifier, AutoMLRegressor
    from sklearn_automl._profile import PROFILE_KEYS

    # count the timed calls of each measurement (benchmark instrumentation:
    # the counts ride in the trial's profile under "_n_batch" / "_n_single")
    counts = {"batch": 0, "single": 0}
    timed, measure = profile_module._timed, evaluate_module.measure_profile

    def counted_timed(predict, batch):
        counts["batch" if len(batch) > 1 else "single"] += 1
        return timed(predict, batch)

    def counted_measure(*a, **kw):
        counts.update(batch=0, single=0)
        out = measure(*a, **kw)
        return {**out, "_n_batch": counts["batch"], "_n_single": counts["single"]}

    profile_module._timed, evaluate_module.measure_profile = counted_timed, counted_measure
    src = Path(sklearn_automl.__file__).resolve().parent
    commit = args.commit or _commit(src)
    print(f"sklearn_automl from {src} ({commit})", flush=True)
    new = not Path(args.out).exists()
    with open(args.out, "a", newline="") as f:
        writer = csv.DictWriter(f, FIELDS)
        if new:
            writer.writeheader()
        for task in select_tasks(args.tasks or None):
            X, _, y, _ = load_task(task, load_suite()["split"])
            cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
            t0 = time.monotonic()
            model = cls(time_budget=args.budget, random_state=args.seed,
                        ensemble_size=0).fit(X, y)
            trials = [t for t in model.history_.trials if t.ok]
            for t in trials:
                prof = t.profile
                writer.writerow({
                    "label": args.label, "commit": commit, "task": task["name"],
                    "trial_id": t.trial_id, "family": t.family,
                    "fit_s": f"{t.fit_time:.4f}", "predict_s": f"{t.predict_time:.4f}",
                    "profile_s": f"{prof.get('profile_time_s', math.nan):.4f}",
                    "trial_s": f"{t.duration:.4f}",
                    "all_columns": int(all(
                        isinstance(prof.get(k), (int, float))
                        and math.isfinite(prof[k]) for k in PROFILE_KEYS)),
                    "batch_calls": prof.get("_n_batch", ""),
                    "single_calls": prof.get("_n_single", ""),
                })
            f.flush()
            prof_s = sum(t.profile.get("profile_time_s", 0.0) for t in trials)
            trial_s = sum(t.duration for t in trials)
            print(f"{task['name']}: {len(trials)} trials, {prof_s:.2f} s of {trial_s:.2f} s "
                  f"({prof_s / max(trial_s, 1e-9):.2%}), search {time.monotonic() - t0:.0f} s",
                  flush=True)


def _measured(rows):
    """The trials with a measurement time (a deadline can stop a measurement:
    the trial stays ``"ok"`` without its profile; such trials are left out
    of the shares and counted in "trials with all columns")."""
    return [r for r in rows if math.isfinite(float(r["profile_s"]))]


def report(paths):
    rows = []
    for path in paths:
        with open(path) as f:
            rows += list(csv.DictReader(f))
    groups = defaultdict(list)
    for r in rows:
        groups[(r["label"], r["commit"])].append(r)
    for (label, commit), rs in groups.items():
        print(f"\n### {label} (commit {commit})\n")
        print("| task | measured trials | profile s | trial s | share | max share of a trial "
              "| trials with all columns |")
        print("|---|---|---|---|---|---|---|")
        by_task = defaultdict(list)
        for r in rs:
            by_task[r["task"]].append(r)
        for task, ts in by_task.items():
            full = sum(int(r["all_columns"]) for r in ts)
            ts = _measured(ts)
            p = sum(float(r["profile_s"]) for r in ts)
            d = sum(float(r["trial_s"]) for r in ts)
            worst = max((float(r["profile_s"]) / float(r["trial_s"]) for r in ts),
                        default=math.nan)
            print(f"| {task} | {len(ts)} | {p:.2f} | {d:.1f} | {p / max(d, 1e-9):.2%} "
                  f"| {worst:.1%} | {full} of {len(by_task[task])} |")
        measured = _measured(rs)
        p = sum(float(r["profile_s"]) for r in measured)
        d = sum(float(r["trial_s"]) for r in measured)
        print(f"\nAll {len(measured)} measured trials (of {len(rs)} successful): "
              f"{p:.2f} s of {d:.1f} s = **{p / d:.2%}** of the trials' time.")
        batch = [int(r["batch_calls"]) for r in measured if r["batch_calls"]]
        single = [int(r["single_calls"]) for r in measured if r["single_calls"]]
        if batch:
            print(f"Timed calls per trial: batch {sum(batch) / len(batch):.2f} "
                  f"(min {min(batch)}, max {max(batch)}), single row "
                  f"{sum(single) / len(single):.2f} (min {min(single)}, max {max(single)}).")
        fams = defaultdict(lambda: [0, 0.0, 0.0])
        for r in measured:
            acc = fams[r["family"]]
            acc[0] += 1
            acc[1] += float(r["profile_s"])
            acc[2] += float(r["trial_s"])
        print("\n| family | trials | profile s | trial s | share |\n|---|---|---|---|---|")
        for fam, (n, p, d) in sorted(fams.items(), key=lambda kv: -kv[1][2]):
            print(f"| {fam} | {n} | {p:.2f} | {d:.1f} | {p / d:.2%} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="*", default=None)
    p.add_argument("--budget", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--label", default="run")
    p.add_argument("--commit", default=None,
                   help="commit to record (default: git HEAD of the imported package)")
    p.add_argument("--src", default=None,
                   help="import sklearn_automl from this source tree (a snapshot)")
    p.add_argument("--out", default="benchmarks/results/profile_overhead.csv")
    p.add_argument("--report", nargs="+", default=None, metavar="CSV")
    args = p.parse_args()
    if args.report:
        report(args.report)
    else:
        run(args)


if __name__ == "__main__":
    main()
