"""Markdown summary of budget_adherence.py's CSVs: does fit keep to its budget?

Per run group: runs, failed runs, the worst overrun (wall of the whole fit
minus ``time_budget``, in seconds and in % of the budget), how many fits
ended within the promised ``budget * 1.05 + 1`` s, the median share of the
budget spent in each phase (``phase_times_``, where the estimator has it),
mean trials and mean ensemble size. Then the same per group and budget, and
every run over the limit or failed.

    python benchmarks/budget_summary.py benchmarks/results/budget_adherence_<date>.csv \
        [--out benchmarks/results/budget_adherence.md]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from budget_adherence import SHARE_PREFIX

GROUP_ORDER = ("dev", "synthetic", "long", "dask", "nas")


def load(paths):
    df = pd.concat([pd.read_csv(p, dtype={"n_jobs": str}) for p in paths],
                   ignore_index=True)
    df["ok"] = df.status == "ok"
    df["within"] = df["within"].astype(str).str.lower() == "true"
    df["overrun_pct"] = 100 * df.overrun_s / df.budget
    return df


def _fmt(value, spec):
    return "" if pd.isna(value) else format(value, spec)


def _table(df, keys, phases):
    head = (["group"] + [k for k in keys if k != "group"]
            + ["runs", "failed", "within limit", "worst overrun s",
               "worst overrun % of budget", "median overrun s"]
            + [f"median share {p}" for p in phases]
            + ["mean trials", "mean ensemble size"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    groups = sorted(df.groupby(keys, dropna=False),
                    key=lambda kv: (order.get(_first(kv[0]), 99), kv[0]))
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        timed = part[part.wall_s.notna()]
        ok = part[part.ok]
        cells = [str(k if not isinstance(k, float) else f"{k:g}") for k in key]
        cells += [
            str(len(part)), str(int((~part.ok).sum())),
            f"{int((part.within & part.ok).sum())}/{len(part)}",
            _fmt(timed.overrun_s.max(), "+.2f"), _fmt(timed.overrun_pct.max(), "+.1f"),
            _fmt(timed.overrun_s.median(), "+.2f"),
        ]
        cells += [_fmt(ok[SHARE_PREFIX + p].median(), ".3f") for p in phases]
        cells += [_fmt(pd.to_numeric(ok.n_trials, errors="coerce").mean(), ".1f"),
                  _fmt(ok.n_ensemble.mean(), ".1f")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _first(key):
    return key[0] if isinstance(key, tuple) else key


def summary(paths):
    df = load(paths)
    phases = [c[len(SHARE_PREFIX):] for c in df.columns if c.startswith(SHARE_PREFIX)]
    commits = ", ".join(sorted(df.commit.dropna().astype(str).unique()))
    dates = df.date.dropna().astype(str)
    loads = pd.concat([df.load1_start, df.load1_end]).dropna()
    lines = [
        "# Budget adherence: wall time of the whole fit vs time_budget", "",
        (f"Promise: `fit` ends within `time_budget * 1.05 + 1` s. Source: "
         f"{', '.join(Path(p).name for p in paths)}; commit {commits}; "
         f"{dates.min()[:10] if len(dates) else ''} to "
         f"{dates.max()[:10] if len(dates) else ''}; "
         f"1-min load average {_fmt(loads.min(), '.2f')} to {_fmt(loads.max(), '.2f')}."),
        "",
        ("Overrun = wall of `fit` (time.monotonic, in a fresh child process) minus "
         "the budget; \"within limit\" counts the fits that ended within it (a failed "
         "or killed run counts as not within). Median share of each phase: its "
         "seconds / budget, over the successful runs that report `phase_times_`"
         + ("." if phases else " (none of these runs did).")),
        "",
        "## Per group", "",
    ]
    lines += _table(df, ["group"], phases)
    lines += ["", "## Per group and budget", ""]
    lines += _table(df, ["group", "budget", "n_jobs", "executor"], phases)
    bad = df[~df.within | ~df.ok].sort_values("overrun_s", ascending=False)
    lines += ["", "## Runs over the limit or failed", ""]
    if bad.empty:
        lines.append("None.")
    else:
        lines += [("| group | task | budget | n_jobs | executor | wall s | overrun s "
                   "| limit s | status | phase_times | error |"),
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for _, r in bad.iterrows():
            phases_txt = "" if pd.isna(r.get("phase_times")) else r.phase_times
            err = "" if pd.isna(r.get("error")) else str(r.error).replace("|", "/")
            lines.append(
                f"| {r.group} | {r.task} | {r.budget:g} | {r.n_jobs} | {r.executor} | "
                f"{_fmt(r.wall_s, '.2f')} | {_fmt(r.overrun_s, '+.2f')} | "
                f"{r.limit_s:.2f} | {r.status} | {phases_txt} | {err[:200]} |")
    return "\n".join(lines) + "\n"


def write_summary(paths, out):
    text = summary(paths)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(text)
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("csv", nargs="+")
    p.add_argument("--out", default=str(HERE / "results" / "budget_adherence.md"))
    args = p.parse_args(argv)
    print(write_summary(args.csv, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
