"""Markdown tables from the benchmark CSVs (ours, and the peers' shared run).

    python benchmarks/summarize.py dev_suite benchmarks/results/dev_suite_B60.csv \
        --peers ../shared/bench/peers-dev_suite-B60-2026-11-22.csv
    python benchmarks/summarize.py budget benchmarks/results/budget_adherence.csv \
        benchmarks/results/dev_suite_B60.csv
    python benchmarks/summarize.py strategies benchmarks/results/search_strategies.csv
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


def _versus(part, name, baseline):
    """'W/T/L (p)' of variant ``name`` against ``baseline`` over shared (task, seed)."""
    from scipy.stats import binomtest

    keys = ["task", "seed"]
    a = part[part.system == name].set_index(keys)["signed"]
    b = part[part.system == baseline].set_index(keys)["signed"]
    diff = (a - b.reindex(a.index)).dropna().to_numpy()
    if diff.size == 0:
        return ""
    w, t, lo = int((diff > 0).sum()), int((diff == 0).sum()), int((diff < 0).sum())
    p = binomtest(w, w + lo).pvalue if w + lo else 1.0
    return f"{w}/{t}/{lo} ({p:.2f})"


def strategies_table(paths):
    """Search strategies (variants) per budget: mean rank, normalised score, configs.

    Ranks and min-max normalised scores (1 = best variant, 0 = worst) are
    taken within each (budget, task, seed), then averaged; "configs" is the
    mean number of distinct configurations evaluated, and "x configs" its
    ratio to the same searcher at full fidelity on the same runs. "vs random"
    pairs each run with random search's on the same (task, seed): wins / ties
    / losses, and the two-sided sign-test p-value (ties left out).
    """
    df = pd.concat([pd.read_csv(p) for p in paths])
    df = df[df.status == "ok"].copy()
    df["sign"] = [1 if higher_is_better(m) else -1 for m in df.metric]
    df["signed"] = df.score * df.sign
    keys = ["budget", "task", "seed"]
    df["rank"] = df.groupby(keys)["signed"].rank(ascending=False)
    lo = df.groupby(keys)["signed"].transform("min")
    hi = df.groupby(keys)["signed"].transform("max")
    df["norm"] = ((df.signed - lo) / (hi - lo)).where(hi > lo, 1.0)
    full = df[~df.system.str.endswith("+sh")].set_index(keys + ["system"])["n_configs"]
    df["base"] = [
        full.get((*k, s.removesuffix("+sh")), float("nan"))
        for k, s in zip(df[keys].itertuples(index=False), df.system)
    ]
    df["ratio"] = df.n_configs / df.base
    lines = []
    for budget, part in df.groupby("budget"):
        n_tasks = part.task.nunique()
        seeds = sorted(int(s) for s in part.seed.unique())
        lines += [
            f"### budget {budget:g} s ({n_tasks} tasks, seeds {seeds})", "",
            ("| variant | mean rank | mean normalised score | vs random W/T/L (p) "
             "| configs | x configs vs full fidelity | trials at full fidelity | runs |"),
            "|---|---|---|---|---|---|---|---|",
        ]

        agg = part.groupby("system").agg(
            rank=("rank", "mean"), norm=("norm", "mean"), configs=("n_configs", "mean"),
            ratio=("ratio", "median"), full=("n_full", "mean"), runs=("rank", "size"),
        ).sort_values("rank")
        for name, r in agg.iterrows():
            ratio = "" if not name.endswith("+sh") else f"{r.ratio:.1f}x (median)"
            vs = "" if name == "random" else _versus(part, name, "random")
            lines.append(f"| {name} | {r['rank']:.2f} | {r.norm:.3f} | {vs} | "
                         f"{r.configs:.1f} | {ratio} | {r.full:.1f} | {int(r.runs)} |")
        lines.append("")
        wide = part.pivot_table(index=["task", "metric"], columns="system",
                                values="score", aggfunc="mean")
        systems = list(agg.index)
        lines += ["| task | metric | " + " | ".join(systems) + " |",
                  "|---|---|" + "---|" * len(systems)]
        for (task, metric), row in wide.iterrows():
            lines.append(f"| {task} | {metric} | " + " | ".join(
                f"{row[s]:.4g}" for s in systems) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["dev_suite", "budget", "strategies"])
    p.add_argument("csv", nargs="+")
    p.add_argument("--peers", default=None)
    args = p.parse_args(argv)
    if args.kind == "dev_suite":
        print(dev_suite_table(args.csv, args.peers))
    elif args.kind == "strategies":
        print(strategies_table(args.csv))
    else:
        print(budget_table(args.csv))


if __name__ == "__main__":
    main()
