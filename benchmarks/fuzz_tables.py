"""Long run of the table fuzz suite: odd DataFrames through fit/predict/export.

The strategy and the contract are those of ``tests/test_fuzz_tables.py``
(``tests/table_strategies.py``): every generated table must fit, predict,
predict_proba and export (the exported ``fit_model`` predicting what the
search's model predicts), or be refused with a ``ValueError``/``TypeError``
naming the offending column or parameter. Unlike the test, the long run does
not stop at the first failure: each failing example is recorded with its
column kinds and error, and failures are grouped by error kind.

Usage::

    nice -n 19 python benchmarks/fuzz_tables.py --minutes 10 \\
        --output benchmarks/results/fuzz_tables_run.json

Run with ``PYTHONPATH=<dir with pyarrow>`` to include pyarrow strings.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from table_strategies import HAS_PYARROW, check_table, tables

FAMILIES = [["linear", "lightgbm"], ["random_forest"], ["extra_trees", "knn"],
            ["hist_gradient_boosting"], ["linear"]]


class _TimeUp(Exception):
    """Raised in the first example drawn after the time is up."""


def _signature(exc):
    """A short key grouping failures: exception type + message without values."""
    text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?(e[-+]?\d+)?", "_", text)
    return text[:160]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--max-examples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None, help="JSON file of the outcomes")
    args = parser.parse_args(argv)
    end = time.monotonic() + 60 * args.minutes
    outcomes = collections.Counter()
    failures = []

    @settings(max_examples=args.max_examples, deadline=None, database=None,
              derandomize=False, suppress_health_check=list(HealthCheck),
              phases=["generate"])
    @given(table=tables(), families=st.sampled_from(FAMILIES))
    def run(table, families):
        if time.monotonic() > end:
            raise _TimeUp
        X, y, task = table
        kinds = [str(d) for d in X.dtypes]
        try:
            outcome = check_table(X, y, task, estimators=families)
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            outcomes["failed"] += 1
            failures.append({
                "signature": _signature(exc), "task": task, "families": families,
                "shape": list(X.shape), "dtypes": kinds,
                "columns": [repr(c) for c in X.columns][:8],
                "error": f"{type(exc).__name__}: {str(exc)[:400]}",
                "where": traceback.format_exc().splitlines()[-3:],
            })
            return
        outcomes["fitted" if outcome == "fitted" else "refused"] += 1
        if outcome != "fitted":
            refusals[_signature_text(outcome)] += 1

    refusals = collections.Counter()
    import random

    random.seed(args.seed)
    t0 = time.monotonic()
    try:
        run()
    except _TimeUp:
        pass
    elapsed = time.monotonic() - t0
    groups = collections.Counter(f["signature"] for f in failures)
    report = {
        "minutes": round(elapsed / 60, 2), "pyarrow": HAS_PYARROW,
        "examples": sum(outcomes[k] for k in ("fitted", "refused", "failed")),
        "fitted": outcomes["fitted"], "refused": outcomes["refused"],
        "failed": outcomes["failed"], "failure_groups": dict(groups.most_common()),
        "refusal_groups": dict(refusals.most_common()),
        "failures": failures[:200],
    }
    text = json.dumps(report, indent=1, default=str)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    print(json.dumps({k: v for k, v in report.items() if k != "failures"}, indent=1))


def _signature_text(outcome):
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?(e[-+]?\d+)?", "_", outcome)
    return text[:140]


if __name__ == "__main__":
    main()
