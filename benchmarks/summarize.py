"""Markdown tables from the benchmark CSVs (ours, and the peers' shared run).

    python benchmarks/summarize.py dev_suite benchmarks/results/dev_suite_B60.csv \
        --peers ../shared/bench/peers-dev_suite-B60-2026-11-22.csv
    python benchmarks/summarize.py budget benchmarks/results/budget_adherence.csv \
        benchmarks/results/dev_suite_B60.csv
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))

from _suite import higher_is_better


def dev_suite_table(paths, peers=None):
    ours = pd.concat([pd.read_csv(p) for p in paths])
    ours = ours[ours.status == "ok"]
    ours["system"] = ours["system"].replace({"automl": "sklearn_automl"})
    frames = [ours[["task", "system", "metric", "score", "fit_s", "peak_rss_mb"]]]
    if peers:
        peer = pd.read_csv(peers)
        peer = peer[peer.system != "lgbm_default"].rename(
            columns={"peak_rss_mb": "peak_rss_mb"})
        frames.append(peer[["task", "system", "metric", "score", "fit_s", "peak_rss_mb"]])
    df = pd.concat(frames, ignore_index=True)
    df = df.groupby(["task", "system", "metric"], as_index=False).mean(numeric_only=True)
    wide = df.pivot(index=["task", "metric"], columns="system", values="score")
    systems = list(wide.columns)
    ranks = []
    for (_, metric), row in wide.iterrows():
        asc = not higher_is_better(metric)
        ranks.append(row.rank(ascending=asc))
    rank_df = pd.DataFrame(ranks, index=wide.index)
    lines = ["| task | metric | " + " | ".join(systems) + " |",
             "|---|---|" + "---|" * len(systems)]
    for (task, metric), row in wide.iterrows():
        best = row.max() if higher_is_better(metric) else row.min()
        cells = [f"**{v:.4g}**" if v == best else f"{v:.4g}" for v in row]
        lines.append(f"| {task} | {metric} | " + " | ".join(cells) + " |")
    lines.append("| **mean rank** | | " + " | ".join(
        f"{rank_df[s].mean():.2f}" for s in systems) + " |")
    fit = df.pivot(index="task", columns="system", values="fit_s")
    lines.append("| mean fit s | | " + " | ".join(
        f"{fit[s].mean():.1f}" for s in systems) + " |")
    return "\n".join(lines)


def budget_table(paths):
    df = pd.concat([pd.read_csv(p) for p in paths])
    df = df[(df.system == "automl") & df.task.isin(["wa_churn", "credit_data", "caravan"])]
    df["limit_s"] = df.budget * 1.05 + 1
    df["within"] = df.fit_s <= df.limit_s
    lines = ["| task | budget s | fit wall s | limit (budget+5%+1) s | within | trials |",
             "|---|---|---|---|---|---|"]
    for _, r in df.sort_values(["budget", "task"]).iterrows():
        lines.append(f"| {r.task} | {r.budget:g} | {r.fit_s:.2f} | {r.limit_s:.1f} | "
                     f"{'yes' if r.within else 'NO'} | {int(r.n_trials)} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["dev_suite", "budget"])
    p.add_argument("csv", nargs="+")
    p.add_argument("--peers", default=None)
    args = p.parse_args(argv)
    if args.kind == "dev_suite":
        print(dev_suite_table(args.csv, args.peers))
    else:
        print(budget_table(args.csv))


if __name__ == "__main__":
    main()
