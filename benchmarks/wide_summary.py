"""Markdown summary of wide_eval.py's CSVs, and a decision rule applied to them.

Per budget: per-task scores (mean over seeds; the best of the systems in bold),
then per system: mean rank, mean normalised score (per task 1 = best of the
systems, 0 = worst), wins/ties/losses against every other system, median fit
wall, median predict time, median peak memory of the process tree and its
median ratio to AutoGluon's. A task counts where every system has a row; a
failed run ranks last and normalises to 0 there.

    python benchmarks/wide_summary.py benchmarks/results/wide_eval_B60.csv \\
        --out benchmarks/results/wide_eval_B60.md \\
        --decide automl automl_es --rule "rank and noise<=2"

``--decide A B`` asks whether B (a candidate default) replaces A (the current
one). ``--rule`` is criteria joined by ``and``, every one about B against A at
each budget shown (restrict with ``--budgets``):

- ``rank``: B's mean rank (among all systems shown) is lower than A's;
- ``rank_not_worse``: B's mean rank is at most A's;
- ``norm``: B's mean normalised score is higher than A's;
- ``wins``: B wins more tasks than it loses against A;
- ``noise<=K``: on no task is B's mean worse than A's by more than K times the
  seed noise (the larger standard deviation over seeds of A and B on that
  task, of those with >= 2 seeds there); undetermined where neither has 2;
- ``fit<=R`` / ``mem<=R``: B's median fit wall / peak tree memory is at most R
  times A's (median over tasks of the per-task ratio).

The rule passes when every criterion passes at every budget; an undetermined
criterion fails it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HIGHER = {"roc_auc", "accuracy", "r2"}


def load(paths):
    df = pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)
    df["budget"] = df["budget"].astype(float)
    df = df.drop_duplicates(["task", "system", "seed", "budget"], keep="last")
    if "peak_tree_pss_mb" not in df:  # CSVs begun before the column existed
        df["peak_tree_pss_mb"] = np.nan
    for c in ("score", "fit_s", "predict_s", "peak_tree_mb", "peak_tree_pss_mb"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def oriented(df):
    """Score where higher is better (roc_auc as is; log_loss, rmse negated)."""
    sign = np.where(df["metric"].isin(HIGHER), 1.0, -1.0)
    return df["score"] * sign


def per_task(df, systems):
    """(mean score, oriented mean, seed std) tables: tasks x systems."""
    ok = df[df.status == "ok"].copy()
    ok["oriented"] = oriented(ok)
    g = ok.groupby(["task", "system"])
    mean = g["score"].mean().unstack()
    ori = g["oriented"].mean().unstack()
    std = g["score"].std(ddof=1).unstack()
    nseed = g["score"].count().unstack()
    present = df.groupby("task")["system"].apply(set)
    tasks = [t for t in present.index if set(systems) <= present[t]]
    cols = [s for s in systems]
    return (mean.reindex(index=tasks, columns=cols), ori.reindex(index=tasks, columns=cols),
            std.reindex(index=tasks, columns=cols), nseed.reindex(index=tasks, columns=cols))


def ranks_and_norm(ori):
    filled = ori.fillna(-np.inf)
    ranks = filled.rank(axis=1, ascending=False, method="average")
    v = ori.to_numpy(float)
    lo, hi = np.nanmin(v, axis=1, keepdims=True), np.nanmax(v, axis=1, keepdims=True)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(span > 0, (v - lo) / np.where(span > 0, span, 1.0), 1.0)
    n = np.where(np.isnan(v), 0.0, n)  # a failed run normalises to 0
    return ranks, pd.DataFrame(n, index=ori.index, columns=ori.columns)


def wins(ori, a, b):
    x, y = ori[a].fillna(-np.inf), ori[b].fillna(-np.inf)
    return int((x > y).sum()), int((x == y).sum()), int((x < y).sum())


def fmt(v, digits=4):
    return "" if pd.isna(v) else f"{v:.{digits}g}"


def budget_section(df, systems, budget):
    sub = df[df.budget == budget]
    systems = [s for s in systems if s in set(sub.system)]
    mean, ori, std, nseed = per_task(sub, systems)
    if mean.empty:
        return [f"## Budget {budget:g} s", "", "No task has a row of every system.", ""], None
    ranks, norm = ranks_and_norm(ori)
    metric = sub.groupby("task")["metric"].first()
    lines = [f"## Budget {budget:g} s", "",
             f"{len(mean)} tasks with a row of every system; seeds per system: "
             + ", ".join(f"{s} {int(sub[sub.system == s].seed.nunique())}"
                         for s in systems), "",
             "| task | metric | " + " | ".join(systems) + " |",
             "|---|---|" + "---|" * len(systems)]
    for t in mean.index:
        best = ori.loc[t].max()
        cells = []
        for s in systems:
            v = mean.loc[t, s]
            txt = "failed" if pd.isna(v) else fmt(v)
            if not pd.isna(v) and nseed.loc[t, s] > 1:
                txt += f" ± {fmt(std.loc[t, s], 2)}"
            cells.append(f"**{txt}**" if ori.loc[t, s] == best else txt)
        lines.append(f"| {t} | {metric.get(t, '')} | " + " | ".join(cells) + " |")
    ok = sub[sub.status == "ok"]
    med = ok.groupby("system")[["fit_s", "predict_s", "peak_tree_mb",
                                "peak_tree_pss_mb"]].median()
    mem = ok.pivot_table(index="task", columns="system", values="peak_tree_mb")
    pss = ok.pivot_table(index="task", columns="system", values="peak_tree_pss_mb")
    lines += ["", ("| system | mean rank | mean normalised | failed runs | median fit s | "
              "median predict s | median peak tree MB | peak MB / AutoGluon | "
              "median peak tree PSS MB (tasks) | PSS / AutoGluon's PSS (tasks) |"),
              "|---|---|---|---|---|---|---|---|---|---|"]

    def ratio_to_autogluon(table, s):
        if "autogluon" not in table or s not in table:
            return ""
        r = (table[s] / table["autogluon"]).dropna()
        return f"{fmt(r.median(), 3)} ({len(r)})" if len(r) else ""

    for s in systems:
        failed = int((sub[sub.system == s].status != "ok").sum())
        n_pss = int(pss[s].notna().sum()) if s in pss else 0
        lines.append(
            f"| {s} | {ranks[s].mean():.2f} | {norm[s].mean():.3f} | {failed} | "
            f"{fmt(med.loc[s, 'fit_s'] if s in med.index else np.nan, 3)} | "
            f"{fmt(med.loc[s, 'predict_s'] if s in med.index else np.nan, 3)} | "
            f"{fmt(med.loc[s, 'peak_tree_mb'] if s in med.index else np.nan, 4)} | "
            f"{ratio_to_autogluon(mem, s).split(' ')[0]} | "
            + (f"{fmt(med.loc[s, 'peak_tree_pss_mb'], 4)} ({n_pss})" if n_pss else "")
            + f" | {ratio_to_autogluon(pss, s)} |")
    lines += ["", "Wins / ties / losses of the row's system against the column's:", "",
              "| | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for a in systems:
        cells = ["" if a == b else "{} / {} / {}".format(*wins(ori, a, b))
                 for b in systems]
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines, {"ori": ori, "std": std, "nseed": nseed, "ranks": ranks, "norm": norm,
                   "ok": ok}


def criterion(name, ctx, a, b):
    """(passed: bool or None, text)."""
    ori, ranks, norm, ok = ctx["ori"], ctx["ranks"], ctx["norm"], ctx["ok"]
    if name == "rank":
        ra, rb = ranks[a].mean(), ranks[b].mean()
        return rb < ra, f"mean rank {b} {rb:.2f} vs {a} {ra:.2f}"
    if name == "rank_not_worse":
        ra, rb = ranks[a].mean(), ranks[b].mean()
        return rb <= ra, f"mean rank {b} {rb:.2f} vs {a} {ra:.2f}"
    if name == "norm":
        na, nb = norm[a].mean(), norm[b].mean()
        return nb > na, f"mean normalised {b} {nb:.3f} vs {a} {na:.3f}"
    if name == "wins":
        w, t, lost = wins(ori, b, a)
        return w > lost, f"{b} vs {a}: {w} wins, {t} ties, {lost} losses"
    if name.startswith("noise<="):
        k = float(name.split("<=")[1])
        multi = ctx["nseed"][[a, b]].fillna(0) >= 2
        if not multi.any(axis=1).all():
            return None, "neither has 2+ seeds on some task: undetermined"
        noise = ctx["std"][[a, b]].where(multi).max(axis=1)
        worse = (ori[a] - ori[b]) > k * noise
        bad = list(ori.index[worse.fillna(True)])
        return not bad, (f"{b} worse than {a} by more than {k:g} x seed noise on "
                         f"{len(bad)} task(s) {bad}")
    for field, label in (("fit", "fit_s"), ("mem", "peak_tree_mb")):
        if name.startswith(field + "<="):
            r = float(name.split("<=")[1])
            piv = ok.pivot_table(index="task", columns="system", values=label)
            ratio = (piv[b] / piv[a]).median()
            return ratio <= r, f"median {label} ratio {b}/{a} = {ratio:.3f} (limit {r:g})"
    raise SystemExit(f"--rule: unknown criterion {name!r}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("csv", nargs="+")
    p.add_argument("--systems", nargs="+", default=None,
                   help="systems to show, in this order (default: all)")
    p.add_argument("--budgets", nargs="+", type=float, default=None)
    p.add_argument("--decide", nargs=2, metavar=("A", "B"), default=None)
    p.add_argument("--rule", default="rank and noise<=2")
    p.add_argument("--out", default=None, help="markdown file (default: print)")
    args = p.parse_args(argv)
    df = load(args.csv)
    systems = args.systems or list(dict.fromkeys(df.system))
    budgets = args.budgets or sorted(df.budget.unique())
    lines = ["# Wide evaluation (benchmarks/wide_eval.py)", "",
             "From " + ", ".join(f"`{Path(c).name}`" for c in args.csv) + ". Scores on the "
             "test split (roc_auc higher is better; log_loss and rmse lower). Mean rank "
             "among the systems shown (1 = best); normalised score per task 1 = best of the "
             "systems, 0 = worst. Commits: "
             + ", ".join(sorted({str(c) for c in df.commit.dropna()})) + ".", ""]
    verdicts = []
    for budget in budgets:
        section, ctx = budget_section(df, systems, budget)
        lines += section
        if args.decide and ctx is not None:
            a, b = args.decide
            lines += [(f"Decision at {budget:g} s: does `{b}` replace `{a}`? "
                      f"Rule: `{args.rule}`"), ""]
            for name in [c.strip() for c in args.rule.split(" and ")]:
                passed, text = criterion(name, ctx, a, b)
                verdicts.append(passed)
                mark = {True: "pass", False: "FAIL", None: "undetermined"}[passed]
                lines.append(f"- {name}: {mark} ({text})")
            lines.append("")
    if args.decide:
        a, b = args.decide
        yes = bool(verdicts) and all(v is True for v in verdicts)
        lines += [(f"**Verdict: `{b}` {'replaces' if yes else 'does not replace'} `{a}`** "
                  f"(every criterion must pass at every budget)."), ""]
    text = "\n".join(lines)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
