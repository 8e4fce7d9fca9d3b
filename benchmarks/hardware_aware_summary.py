"""Markdown summary of benchmarks/hardware_aware.py's CSV.

    python benchmarks/hardware_aware_summary.py benchmarks/results/hardware_aware_B120.csv

Three tables: the score given up under a latency limit of one tenth of the
unconstrained winner's (relative, on the test split) with the chosen
model's latency on fresh rows; the hypervolume of the (CV score, log10
latency) front of each searcher at the same budget, against random search
(one reference point per task and seed: the worst score and the slowest
latency of any trial of its runs); the measurement's share of the trials'
time.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _suite import higher_is_better

from sklearn_automl.search._pareto import hypervolume


def _points(trials, fidelity_one=True):
    rows = json.loads(trials)
    pts = [(s, -math.log10(lat)) for _, _, fid, s, lat in rows
           if lat and lat > 0 and (fid == 1.0 or not fidelity_one)]
    return np.array(pts).reshape(-1, 2)


def summarize(df):
    out = []
    ok = df[df["status"] == "ok"]
    out.append("## Score given up under max_predict_latency = winner / 10\n")
    out.append("| task | seed | metric | free score | capped score | relative loss "
               "| winner latency (s/row) | limit | capped fresh latency | within "
               "| capped family | infeasible trials |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    losses = {}
    for (task, seed), g in ok.groupby(["task", "seed"]):
        runs = g.set_index("run")
        if not {"free", "capped"} <= set(runs.index):
            continue
        free, cap = runs.loc["free"], runs.loc["capped"]
        sign = 1 if higher_is_better(free["metric"]) else -1
        loss = sign * (free["score"] - cap["score"]) / abs(free["score"])
        losses.setdefault(task, []).append(loss)
        out.append(
            f"| {task} | {seed} | {free['metric']} | {free['score']:.4f} | "
            f"{cap['score']:.4f} | {loss:+.2%} | {free['train_latency_s_per_row']:.3g} "
            f"| {cap['limit_s_per_row']:.3g} | {cap['fresh_latency_s_per_row']:.3g} | "
            f"{cap['within_limit']} | {cap['best_family']} | "
            f"{int(cap['n_infeasible'])}/{int(cap['n_trials'])} |")
    out.append("")
    out.append("Tasks under 1 % relative loss (mean over seeds): "
               + ", ".join(f"{t}: {np.mean(v):+.2%}" for t, v in losses.items())
               + f" -> {sum(np.mean(v) < 0.01 for v in losses.values())} of "
               f"{len(losses)}.\n")

    out.append("## Hypervolume of the (CV score, -log10 latency) front, same budget\n")
    out.append("| task | seed | random | evolutionary (NSGA-II) | bayesian (ParEGO) |")
    out.append("|---|---|---|---|---|")
    ratios = {"evolutionary": [], "bayesian": []}
    for (task, seed), g in ok.groupby(["task", "seed"]):
        runs = {r: _points(t) for r, t in zip(g["run"], g["trials"], strict=True)
                if r in ("free", "evolutionary", "bayesian")}
        if "free" not in runs:
            continue
        allpts = np.vstack([p for p in runs.values() if len(p)])
        ref = allpts.min(axis=0) - 1e-9
        hv = {r: hypervolume(p, ref) if len(p) else 0.0 for r, p in runs.items()}
        cells = [f"{hv['free']:.4f}"]
        for r in ("evolutionary", "bayesian"):
            if r in hv:
                ratio = hv[r] / hv["free"] if hv["free"] > 0 else math.nan
                ratios[r].append(ratio)
                cells.append(f"{hv[r]:.4f} ({ratio:.2f}x)")
            else:
                cells.append("-")
        out.append(f"| {task} | {seed} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("Mean ratio to random: " + ", ".join(
        f"{r}: {np.nanmean(v):.2f}x over {len(v)} runs" for r, v in ratios.items() if v)
        + "\n")

    out.append("## Overhead of the measurement (share of the successful trials' time)\n")
    out.append("| task | runs | profile s | trial s | share | max share of a run |")
    out.append("|---|---|---|---|---|---|")
    for task, g in ok.groupby("task"):
        share = g["profile_s"].sum() / g["trial_s"].sum()
        out.append(f"| {task} | {len(g)} | {g['profile_s'].sum():.1f} | "
                   f"{g['trial_s'].sum():.1f} | {share:.2%} | "
                   f"{g['overhead_share'].max():.2%} |")
    total = ok["profile_s"].sum() / ok["trial_s"].sum()
    out.append(f"\nAll runs: {total:.2%} of the trials' time.\n")
    return "\n".join(out)


if __name__ == "__main__":
    frames = [pd.read_csv(p) for p in sys.argv[1:]]
    print(summarize(pd.concat(frames, ignore_index=True)))
