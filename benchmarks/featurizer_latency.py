"""Predict-time latency of AutoFeaturizer.transform: one row and 1,000 rows.

Fits an :class:`~sklearn_automl.features.AutoFeaturizer` on the training
split of some dev-suite tasks (``_suite.py``) in two configurations, the
default (one-hot, target-encoded high cardinality, median imputation,
standard scaling) and the tree one (ordinal codes, no imputation, no
scaling), then times ``transform`` on one row and on a 1,000-row batch of
the training rows: the median, over ``--repeat`` calls, of the wall time and
of the process CPU time (less sensitive to other processes on a shared
machine). Each output is also checked against ``transformer_.transform``,
the ColumnTransformer path (bit for bit).

    nice -n 19 python benchmarks/featurizer_latency.py [--tasks wa_churn ...]
        [--repeat 25] [--label after] [--output benchmarks/results/featurizer_latency.md]

Measuring a library tree other than the installed one (say HEAD before a
change): ``git archive HEAD sklearn_automl | tar -x -C /tmp/before`` and run
with ``PYTHONPATH=/tmp/before``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _suite import load_suite, load_task, select_tasks

import sklearn_automl
from sklearn_automl.features import AutoFeaturizer

CONFIGS = {
    "default": {},
    "trees": {"encoder": "ordinal", "high_cardinality_encoder": "ordinal",
              "imputer": None, "scaler": None},
}


def _median_times(fn, repeat):
    wall, cpu = [], []
    fn()  # warm-up
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return float(np.median(wall)), float(np.median(cpu))


def _same(feat, X):
    out = feat.transform(X)
    ref = feat.transformer_.transform(X)
    return out.dtype == ref.dtype and np.array_equal(out, ref, equal_nan=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=["wa_churn", "chile_vote", "computers"])
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--label", default="")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    suite = load_suite()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    rows = []
    for task in select_tasks(args.tasks):
        X_tr, _, y_tr, _ = load_task(task, suite["split"])
        single, batch = X_tr.iloc[:1], X_tr.iloc[:1000]
        for config, params in CONFIGS.items():
            feat = AutoFeaturizer(random_state=0, **params).fit(X_tr, y_tr)
            one = _median_times(lambda f=feat, x=single: f.transform(x), args.repeat)
            many = _median_times(lambda f=feat, x=batch: f.transform(x), args.repeat)
            same = _same(feat, single) and _same(feat, batch)
            rows.append((task["name"], X_tr.shape[1], config, feat.transform(single).shape[1],
                         one, many, same))
            print(rows[-1], flush=True)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = "?"
    lines = [
        f"### {args.label or 'run'}: sklearn_automl from {Path(sklearn_automl.__file__).parent}",
        "",
        (f"`nice -n 19 python benchmarks/featurizer_latency.py --repeat {args.repeat}"
         f"{' --label ' + args.label if args.label else ''}`, working tree at {commit}; "
         f"`/proc/loadavg` before: {' '.join(load_before)}, after: {' '.join(load_after)} "
         f"(2 shared cores). Medians of {args.repeat} calls, wall (CPU) ms."),
        "",
        "| task | columns | config | features out | 1 row | 1,000 rows | = ColumnTransformer |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, n_cols, config, width, one, many, same in rows:
        lines.append(
            f"| {name} | {n_cols} | {config} | {width} | {one[0] * 1e3:.2f} ({one[1] * 1e3:.2f}) "
            f"| {many[0] * 1e3:.2f} ({many[1] * 1e3:.2f}) | {'yes' if same else 'NO'} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        with open(args.output, "a") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
