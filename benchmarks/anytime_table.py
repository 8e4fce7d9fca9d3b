"""Anytime table: one system at a short budget against another at a longer one.

Per task of the wide suite: the score of ``--fast`` (system@budget) and of
``--slow`` (system@budget), and whether the fast run is at least as good.
Issue 19's goal: sklearn_automl at 10 s at least FLAML's 60 s score on most
tasks.

    python benchmarks/anytime_table.py benchmarks/results/wide_eval_B10_head.csv \\
        benchmarks/results/wide_eval_B60.csv --fast automl_head@10 --slow flaml@60
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

HIGHER = {"roc_auc", "accuracy", "r2"}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("csv", nargs="+")
    p.add_argument("--fast", required=True, help="SYSTEM@BUDGET")
    p.add_argument("--slow", required=True, help="SYSTEM@BUDGET")
    args = p.parse_args(argv)
    df = pd.concat([pd.read_csv(c) for c in args.csv], ignore_index=True)
    df = df[(df.status == "ok") & (df.seed == 0)]
    cols = {}
    for label in (args.fast, args.slow):
        system, budget = label.split("@")
        sub = df[(df.system == system) & (df.budget.astype(float) == float(budget))]
        cols[label] = sub.drop_duplicates("task", keep="last").set_index("task")
    fast, slow = cols[args.fast], cols[args.slow]
    tasks = [t for t in fast.index if t in slow.index]
    lines = [(f"| task | metric | {args.fast} | {args.slow} | {args.fast} fit s | "
              "at least as good |"), "|---|---|---|---|---|---|"]
    good = 0
    for t in tasks:
        metric = fast.loc[t, "metric"]
        a, b = float(fast.loc[t, "score"]), float(slow.loc[t, "score"])
        ok = a >= b if metric in HIGHER else a <= b
        good += ok
        lines.append(f"| {t} | {metric} | {a:.4g} | {b:.4g} | "
                     f"{float(fast.loc[t, 'fit_s']):.1f} | {'yes' if ok else 'no'} |")
    lines += ["", (f"{args.fast} at least as good as {args.slow} on {good} of "
                   f"{len(tasks)} tasks; fit wall of {args.fast}: median "
                   f"{fast.loc[tasks, 'fit_s'].median():.1f} s, max "
                   f"{fast.loc[tasks, 'fit_s'].max():.1f} s.")]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
