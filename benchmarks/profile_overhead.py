"""Where the per-trial cost measurement spends its time, on one dev task.

One search (``time_budget`` seconds, ``ensemble_size=0``) with the parts of
``sklearn_automl._profile.measure_profile`` timed: pickling (model size),
the traced prediction (peak memory, also the warm-up), the timed batch
predictions and the single-row predictions; then each trial's fit,
predict, measurement and total time, and the measurement's share.

    nice -n 19 python benchmarks/profile_overhead.py --task wa_churn --budget 40
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _suite import load_suite, load_task, select_tasks


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="wa_churn")
    p.add_argument("--budget", type=float, default=40.0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    import sklearn_automl._profile as prof
    from sklearn_automl import AutoMLClassifier, AutoMLRegressor

    parts = dict.fromkeys(("pickle", "traced", "batch", "single"), 0.0)
    size, traced, timed = prof.model_size_bytes, prof._traced_peak, prof._timed

    def timed_size(model):
        t0 = time.perf_counter()
        try:
            return size(model)
        finally:
            parts["pickle"] += time.perf_counter() - t0

    def timed_traced(predict, batch):
        t0 = time.perf_counter()
        try:
            return traced(predict, batch)
        finally:
            parts["traced"] += time.perf_counter() - t0

    def timed_call(predict, batch):
        seconds = timed(predict, batch)
        parts["batch" if len(batch) > 1 else "single"] += seconds
        return seconds

    prof.model_size_bytes, prof._traced_peak, prof._timed = (
        timed_size, timed_traced, timed_call)
    task = select_tasks([args.task])[0]
    X, _, y, _ = load_task(task, load_suite()["split"])
    cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
    model = cls(time_budget=args.budget, random_state=args.seed, ensemble_size=0,
                objectives=("score", "predict_latency")).fit(X, y)
    trials = [t for t in model.history_.trials if t.ok]
    print("| trial | family | fit s | predict s | measure s | trial s | share |")
    print("|---|---|---|---|---|---|---|")
    for t in trials:
        m = t.profile.get("profile_time_s", 0.0)
        print(f"| {t.trial_id} | {t.family} | {t.fit_time:.3f} | {t.predict_time:.3f} "
              f"| {m:.3f} | {t.duration:.3f} | {m / t.duration:.1%} |")
    total = sum(t.profile.get("profile_time_s", 0.0) for t in trials)
    spent = sum(t.duration for t in trials)
    print(f"\nmeasurement {total:.2f} s of {spent:.2f} s of successful trials "
          f"({total / spent:.1%}); parts: "
          + ", ".join(f"{k} {v:.2f} s ({v / sum(parts.values()):.0%})"
                      for k, v in parts.items()))


if __name__ == "__main__":
    main()
