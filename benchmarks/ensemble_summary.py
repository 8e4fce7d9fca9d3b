"""Summaries of the ensemble / portfolio / peers benchmarks (markdown + a plot).

    python benchmarks/ensemble_summary.py

Reads benchmarks/results/ensemble_devsuite_B60.csv (ours, ensemble and best
single of the same search), ensemble_anytime.csv (10/30/60 s, portfolio vs
random start), peers_autogluon_B60.csv and the FLAML and LightGBM-default
rows of ../shared/bench/peers-dev_suite-B60-2026-11-22.csv (measured earlier
on the same kind of machine). Writes ensemble_vs_single_B60.md,
ensemble_anytime.md / .png and peers_devsuite_B60.md / .csv.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RES = HERE / "results"
PEERS = HERE.parents[1] / "shared" / "bench" / "peers-dev_suite-B60-2026-11-22.csv"
LOWER = {"log_loss", "rmse"}


def _gain(row, a, b):
    """Relative gain of column a over column b, positive = a better."""
    if row["metric"] in LOWER:
        return (row[b] - row[a]) / abs(row[b])
    return (row[a] - row[b]) / abs(row[b])


def ensemble_vs_single(df, n_jobs="2"):
    """Markdown: ensemble vs best single of the same search, one table per budget."""
    df = df[df.status == "ok"].copy()
    df["gain"] = df.apply(_gain, axis=1, a="score", b="single_score")
    lines = []
    for budget, part in df.groupby("budget"):
        per_task = part.groupby(["task", "metric"]).agg(
            ensemble=("score", "mean"), single=("single_score", "mean"),
            gain=("gain", "mean"), members=("n_members", "mean"),
            seeds=("seed", "nunique"), load1=("load1", "mean"),
        ).reset_index()
        at_least = (per_task.gain >= -1e-12).mean()
        per_run = (part.gain >= -1e-12).mean()
        lines += [
            f"## {budget:g} s", "",
            (f"Ensemble (ensemble_size=25, portfolio start) vs the best single pipeline "
             f"of the same search, dev suite, {budget:g} s, n_jobs={n_jobs}; seeds: "
             f"{sorted(part.seed.unique().tolist())}; commit(s) "
             f"{sorted(part['commit'].astype(str).unique().tolist())}."),
            "", ("gain: relative, positive = ensemble better (roc_auc: higher; log_loss, "
                 "rmse: lower); averaged over seeds."), "",
            "| task | metric | ensemble | best single | gain % | members | seeds | load1 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in per_task.itertuples():
            lines.append(f"| {r.task} | {r.metric} | {r.ensemble:.5g} | {r.single:.5g} | "
                         f"{100 * r.gain:+.2f} | {r.members:.1f} | {r.seeds} | "
                         f"{r.load1:.1f} |")
        lines += ["", (f"Ensemble at least as good on {100 * at_least:.0f}% of tasks "
                  f"(mean over seeds; {100 * per_run:.0f}% of {len(part)} runs); mean "
                  f"relative gain {100 * per_task.gain.mean():+.2f}% (goal: >= 80% of "
                  "tasks and > 0)."), ""]
    return "\n".join(lines)


def anytime(any_df, b60):
    df = pd.concat([any_df, b60[(b60.seed == 0)]], ignore_index=True)
    df = df[(df.status == "ok") & (df.seed == 0)].copy()
    df["budget"] = df.budget.astype(float)
    # normalize per task over every run of it: 1 = best, 0 = worst
    def norm(g):
        s = -g.score if g.metric.iloc[0] in LOWER else g.score
        lo, hi = s.min(), s.max()
        return (s - lo) / (hi - lo) if hi > lo else s * 0 + 1.0
    df["norm"] = df.groupby("task", group_keys=False)[["score", "metric"]].apply(norm)
    table = df.pivot_table(index="task", columns=["variant", "budget"], values="norm")
    med = table.median()
    lines = [("Anytime: normalized test score per task (1 = best run of that task, 0 = "
             "worst), seed 0, n_jobs=2; median over tasks."), "",
             "| start | " + " | ".join(f"{b:g} s" for b in sorted(df.budget.unique()))
             + " |", "|---|" + "---|" * df.budget.nunique()]
    for v in sorted(df.variant.unique()):
        cells = [
            f"{med.get((v, b), np.nan):.3f} (n={int(table.get((v, b)).notna().sum())})"
            if (v, b) in table else "-"
            for b in sorted(df.budget.unique())
        ]
        lines.append(f"| {v} | " + " | ".join(cells) + " |")
    if ("portfolio", 10.0) in table and ("random", 30.0) in table:
        both = table[[("portfolio", 10.0), ("random", 30.0)]].dropna()
        share = (both[("portfolio", 10.0)] >= both[("random", 30.0)]).mean()
        lines += ["", (f"Portfolio at 10 s vs random start at 30 s: median "
                  f"{both[('portfolio', 10.0)].median():.3f} vs "
                  f"{both[('random', 30.0)].median():.3f}; at least as good on "
                  f"{100 * share:.0f}% of {len(both)} tasks.")]
    lines += ["", "Per task:", "", table.round(3).to_markdown()]
    _plot(med, RES / "ensemble_anytime.png")
    return "\n".join(lines) + "\n"


def _plot(med, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for variant in sorted({v for v, _ in med.index}):
        s = med[variant].sort_index()
        ax.plot(s.index, s.values, marker="o", label=f"{variant} start")
    ax.set_xlabel("time budget (s)")
    ax.set_ylabel("median normalized test score")
    ax.set_xticks([10, 30, 60])
    ax.set_title("Dev suite, seed 0: portfolio vs random start")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def peers(b60, ag, peers_path):
    ours = b60[(b60.seed == 0) & (b60.status == "ok")][["task", "metric", "score"]]
    ours = ours.assign(system="sklearn_automl (ensemble+portfolio)", source=
                       "benchmarks/results/ensemble_devsuite_B60.csv")
    rows = [ours]
    p = pd.read_csv(peers_path)
    peer_systems = ["flaml", "lgbm_default"]
    if ag is not None:
        a = ag[(ag.seed == 0) & (ag.status == "ok")][["task", "metric", "score"]]
        rows.append(a.assign(system="autogluon",
                             source="benchmarks/results/peers_autogluon_B60.csv"))
    else:  # not rerun here: the earlier measurement
        peer_systems.append("autogluon")
    for system in peer_systems:
        s = p[(p.system == system) & (p.status == "ok") & (p.seed == 0)]
        rows.append(s[["task", "metric", "score"]].assign(
            system=system, source=str(peers_path.name)))
    df = pd.concat(rows, ignore_index=True)
    df["signed"] = np.where(df.metric.isin(LOWER), -df.score, df.score)
    df["rank"] = df.groupby("task")["signed"].rank(ascending=False, method="average")
    lo = df.groupby("task")["signed"].transform("min")
    hi = df.groupby("task")["signed"].transform("max")
    df["norm"] = np.where(hi > lo, (df.signed - lo) / (hi - lo).where(hi > lo, 1), 1.0)
    full = df.groupby("task").system.nunique()
    df = df[df.task.isin(full[full == full.max()].index)]
    summary = df.groupby("system").agg(mean_rank=("rank", "mean"),
                                       mean_norm=("norm", "mean"),
                                       tasks=("task", "nunique")).sort_values("mean_rank")
    wide = df.pivot_table(index=["task", "metric"], columns="system", values="score")
    lines = [("Dev suite at 60 s, 2 cores, seed 0. Normalized score per task: 1 = best "
             "system, 0 = worst. FLAML and LightGBM defaults come from "
             f"{peers_path.name} (measured 2026-11-22 on this kind of machine), "
             "AutoGluon 1.6.3 (medium_quality) too unless peers_autogluon_B60.csv "
             "exists; see the source column of peers_devsuite_B60.csv."), "",
             summary.round(3).to_markdown(), "", ("Scores (roc_auc higher, log_loss and "
             "rmse lower are better):"), "", wide.round(5).to_markdown()]
    df.to_csv(RES / "peers_devsuite_B60.csv", index=False)
    return "\n".join(lines) + "\n"


def main(argv=None):
    global RES
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--peers", default=str(PEERS))
    p.add_argument("--results", default=str(HERE / "results"), help="folder of the CSVs and outputs")
    p.add_argument("--vs-single", nargs="+", default=None, metavar="CSV",
                   help="only summarize these ensemble_devsuite.py CSVs (any budgets and "
                        "seeds) into --out")
    p.add_argument("--n-jobs", default="2", help="the n_jobs of those runs, for the title")
    p.add_argument("--out", default=None, help="Markdown file for --vs-single")
    args = p.parse_args(argv)
    RES = Path(args.results)
    if args.vs_single:
        df = pd.concat([pd.read_csv(f) for f in args.vs_single], ignore_index=True)
        text = ensemble_vs_single(df, args.n_jobs)
        Path(args.out).write_text(text)
        print(text)
        return 0
    b60 = pd.read_csv(RES / "ensemble_devsuite_B60.csv")
    (RES / "ensemble_vs_single_B60.md").write_text(ensemble_vs_single(b60))
    print((RES / "ensemble_vs_single_B60.md").read_text())
    if (RES / "ensemble_anytime.csv").exists():
        text = anytime(pd.read_csv(RES / "ensemble_anytime.csv"), b60)
        (RES / "ensemble_anytime.md").write_text(text)
        print(text)
    ag_path = RES / "peers_autogluon_B60.csv"
    ag = pd.read_csv(ag_path) if ag_path.exists() else None
    text = peers(b60, ag, Path(args.peers))
    (RES / "peers_devsuite_B60.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
