"""Share of a timed search spent in the searcher and scheduler (ask + tell).

    python benchmarks/searcher_share.py --budget 30 --tasks credit_data hpc_data
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _suite import load_suite, load_task


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--budget", type=float, default=30.0)
    p.add_argument("--tasks", nargs="+", default=["credit_data"])
    p.add_argument("--variants", default='{"bayesian": {"search": "bayesian"}, '
                   '"bayesian+sh": {"search": "bayesian", '
                   '"schedule": "successive_halving"}}')
    args = p.parse_args(argv)
    from sklearn_automl import AutoMLClassifier, AutoMLRegressor

    suite = load_suite()
    print("| task | variant | trials | searcher s | fit s | share |")
    print("|---|---|---|---|---|---|")
    for task in suite["tasks"]:
        if task["name"] not in args.tasks:
            continue
        X, _, y, _ = load_task(task, suite["split"])
        cls = AutoMLRegressor if task["type"] == "regression" else AutoMLClassifier
        for name, params in json.loads(args.variants).items():
            m = cls(time_budget=args.budget, random_state=0, n_jobs=1, **params).fit(X, y)
            print(f"| {task['name']} | {name} | {m.n_trials_} | {m.searcher_time_:.2f} | "
                  f"{m.search_time_:.1f} | {m.searcher_time_ / m.search_time_:.1%} |",
                  flush=True)


if __name__ == "__main__":
    main()
