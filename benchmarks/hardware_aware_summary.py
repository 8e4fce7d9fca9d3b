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
               "| capped family | successful trials over the limit |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    losses = {}
    for (task, seed), g in df.groupby(["task", "seed"]):
        runs = g.set_index("run")
        if "free" not in runs.index or runs.loc["free", "status"] != "ok":
            continue
        free = runs.loc["free"]
        if "capped" not in runs.index:
            continue
        cap = runs.loc["capped"]
        if cap["status"] != "ok":
            reason = str(cap["error"]).split("ValueError: ")[-1][:160]
            losses.setdefault(task, []).append(math.inf)
            out.append(f"| {task} | {seed} | {free['metric']} | {free['score']:.4f} | "
                       f"no model | - | {free['train_latency_s_per_row']:.3g} | "
                       f"{free['train_latency_s_per_row'] / 10:.3g} | - | - | - | "
                       f"{reason} |")
            continue
        sign = 1 if higher_is_better(free["metric"]) else -1
        loss = sign * (free["score"] - cap["score"]) / abs(free["score"])
        losses.setdefault(task, []).append(loss)
        lat = [t[4] for t in json.loads(cap["trials"])]
        over = sum(not (v is not None and v <= cap["limit_s_per_row"]) for v in lat)
        out.append(
            f"| {task} | {seed} | {free['metric']} | {free['score']:.4f} | "
            f"{cap['score']:.4f} | {loss:+.2%} | {free['train_latency_s_per_row']:.3g} "
            f"| {cap['limit_s_per_row']:.3g} | {cap['fresh_latency_s_per_row']:.3g} | "
            f"{cap['within_limit']} | {cap['best_family']} | {over}/{len(lat)} |")
    out.append("")
    out.append("Tasks under 1 % relative loss (mean over seeds): "
               + ", ".join(f"{t}: {np.mean(v):+.2%}" for t, v in losses.items())
               + f" -> {sum(np.mean(v) < 0.01 for v in losses.values())} of "
               f"{len(losses)}.\n")

    out.append("## Hypervolume of the (CV score, -log10 latency) front, same budget\n")
    out.append("Both objectives rescaled to [0, 1] over every successful full-fidelity "
               "trial of the task and seed's three runs; reference point -0.1 on each "
               "(so the maximum is 1.21).\n")
    out.append("| task | seed | random | evolutionary (NSGA-II) | bayesian (ParEGO) |")
    out.append("|---|---|---|---|---|")
    ratios = {"evolutionary": [], "bayesian": []}
    for (task, seed), g in ok.groupby(["task", "seed"]):
        runs = {r: _points(t) for r, t in zip(g["run"], g["trials"], strict=True)
                if r in ("free", "evolutionary", "bayesian")}
        if "free" not in runs:
            continue
        allpts = np.vstack([p for p in runs.values() if len(p)])
        low, span = allpts.min(axis=0), np.ptp(allpts, axis=0)
        span = np.where(span > 0, span, 1.0)
        hv = {r: hypervolume((p - low) / span, [-0.1, -0.1]) if len(p) else 0.0
              for r, p in runs.items()}
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
