"""Time and peak memory of ``AutoFeaturizer.fit_transform`` on a large mixed table.

Each configuration runs in a fresh subprocess that builds the table
(1,000,000 rows x 20 columns by default: 10 float columns, two with missing
values, one of them informative; 2 integer columns; a boolean; 4
categorical columns with 10 levels, one with missing values; 2 with 10,000
levels; a datetime with missing values), then resets the kernel's peak-RSS
counter (``/proc/self/clear_refs``), runs ``fit_transform`` and reads the
peak (``VmHWM``). Reported: wall time, peak RSS, its increase over the RSS
before the call (the featurizer's own memory, output included), both
relative to the input DataFrame's size (``memory_usage(deep=True)``).

Usage (from the repository root; run it alone, on a quiet machine)::

    flock /tmp/bench.lock python benchmarks/featurization_memory.py \\
        --rows 1000000 --threads 2 --out benchmarks/results/featurization_1m

Writes ``<out>.csv`` and ``<out>.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

CONFIGS = {
    # AutoFeaturizer's defaults: what a linear model or kNN gets
    "linear": {},
    # what LightGBM / HistGradientBoosting get: ordinal codes, NaN kept
    "trees": {"encoder": "ordinal", "imputer": None, "scaler": None,
              "datetime_cyclic": False},
}


def make_table(n_rows, seed=0):
    """The mixed 20-column table and a binary target (numpy/pandas only)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(10):
        cols[f"num{j}"] = rng.normal(size=n_rows)
    signal = cols["num0"] + 0.5 * cols["num1"]
    cols["num8"][rng.random(n_rows) < 0.10] = np.nan
    # missing more often when the target is likely 1: informative missingness
    cols["num9"][rng.random(n_rows) < 0.05 + 0.10 * (signal > 0)] = np.nan
    cols["int0"] = rng.integers(0, 100, n_rows)
    cols["int1"] = rng.integers(0, 1_000_000, n_rows)
    cols["flag"] = rng.random(n_rows) < 0.3
    small = np.array([f"level_{i}" for i in range(10)], dtype=object)
    for j in range(4):
        codes = rng.integers(0, 10, n_rows)
        values = small[codes]
        if j == 0:
            values[rng.random(n_rows) < 0.05] = None
            signal = signal + (codes == 3)
        cols[f"cat10_{j}"] = pd.Series(values, dtype="str")
    big = np.array([f"item_{i:05d}" for i in range(10_000)], dtype=object)
    for j in range(2):
        codes = rng.zipf(1.3, n_rows) % 10_000
        cols[f"cat10k_{j}"] = pd.Series(big[codes], dtype="str")
    seconds = rng.integers(0, 3 * 365 * 86400, n_rows).astype("timedelta64[s]")
    stamps = np.datetime64("2021-01-01T00:00:00") + seconds
    stamps[rng.random(n_rows) < 0.02] = np.datetime64("NaT")
    cols["ts"] = stamps.astype("datetime64[ns]")
    X = pd.DataFrame(cols)
    y = (signal + rng.normal(size=n_rows) > 0).astype(int)
    return X, y


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _trim_heap():
    """Return freed heap memory to the OS, so RSS counts only live memory."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: RSS may include free heap
        pass


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def child(config, n_rows, threads):
    """Measure one configuration; print one JSON line."""
    from threadpoolctl import threadpool_limits

    from sklearn_automl.features import AutoFeaturizer

    gc.collect()
    _trim_heap()
    empty = _status("VmRSS")
    X, y = make_table(n_rows)
    gc.collect()
    _trim_heap()
    input_bytes = int(X.memory_usage(deep=True).sum())
    result = {"config": config, "rows": n_rows, "columns": X.shape[1],
              "input_mb": input_bytes / 2**20,
              # what the table really occupies: equal strings share one object
              "input_rss_mb": (_status("VmRSS") - empty) / 2**20}
    featurizer = AutoFeaturizer(random_state=0, **CONFIGS[config])
    with threadpool_limits(threads):
        for step in ("fit_transform", "transform"):
            gc.collect()
            _trim_heap()
            before = _status("VmRSS")
            _reset_peak()
            if _status("VmHWM") > before + 16 * 2**20:
                raise RuntimeError("could not reset the peak RSS counter")
            start = time.perf_counter()
            out = featurizer.fit_transform(X, y) if step == "fit_transform" else (
                featurizer.transform(X)
            )
            seconds = time.perf_counter() - start
            peak = _status("VmHWM")
            result.update({
                f"{step}_s": seconds,
                f"{step}_rss_before_mb": before / 2**20,
                f"{step}_peak_rss_mb": peak / 2**20,
                f"{step}_peak_increase_mb": (peak - before) / 2**20,
                f"{step}_peak_increase_x_input": (peak - before) / input_bytes,
                f"{step}_peak_total_x_input": peak / input_bytes,
            })
            result["output_shape"] = list(out.shape)
            result["output_mb"] = out.nbytes / 2**20
            del out
    result["kinds"] = {k: list(featurizer.column_kinds_.values()).count(k)
                       for k in sorted(set(featurizer.column_kinds_.values()))}
    sys.stdout.write(json.dumps(result) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS))
    parser.add_argument("--out", default="benchmarks/results/featurization_1m")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.rows, args.threads)
        return
    rows = []
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    for config in args.configs:
        load = os.getloadavg()[0]
        proc = subprocess.run(
            [sys.executable, __file__, "--child", config, "--rows", str(args.rows),
             "--threads", str(args.threads)],
            capture_output=True, text=True, env=env, check=False,
        )
        if proc.returncode:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"{config}: the measuring process failed")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["load1_before"] = load
        rows.append(result)
        sys.stdout.write(json.dumps(result) + "\n")
    _write(rows, Path(args.out), args)


def _write(rows, out, args):
    import pandas as pd

    out.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    frame.insert(0, "date", time.strftime("%Y-%m-%d"))
    frame["cpus"] = os.cpu_count()
    frame["threads"] = args.threads
    frame["python"] = platform.python_version()
    frame.to_csv(out.with_suffix(".csv"), index=False)
    lines = [
        f"# AutoFeaturizer.fit_transform, {args.rows:,} rows x 20 mixed columns",
        "",
        (
            f"Machine: {os.cpu_count()} cores, shared with other developers (load "
            "average before each run in the table); threads limited to "
            f"{args.threads}. Command: `flock /tmp/bench.lock python "
            f"benchmarks/featurization_memory.py --rows {args.rows} --threads "
            f"{args.threads}`."
        ),
        "",
        (
            "Input size: `X.memory_usage(deep=True)` (*input MB*), and what the "
            "table really occupies in RSS (*input RSS MB*: equal strings share one "
            "Python object, which `deep=True` counts once per row). Peak RSS is "
            "the kernel's VmHWM, reset just before the call; *increase* is the "
            "peak minus the RSS before the call (table, interpreter and libraries "
            "are already there): the featurizer's own memory, output included."
        ),
        "",
        (
            "| config | input MB | input RSS MB | fit_transform s | peak increase MB "
            "(x input, x input RSS) | peak RSS MB (x input) | transform s | "
            "transform peak increase MB | output | load1 |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        increase = r["fit_transform_peak_increase_mb"]
        lines.append(
            f"| {r['config']} | {r['input_mb']:.0f} | {r['input_rss_mb']:.0f} | "
            f"{r['fit_transform_s']:.1f} | {increase:.0f} "
            f"({r['fit_transform_peak_increase_x_input']:.2f}x, "
            f"{increase / r['input_rss_mb']:.2f}x) | "
            f"{r['fit_transform_peak_rss_mb']:.0f} "
            f"({r['fit_transform_peak_total_x_input']:.2f}x) | "
            f"{r['transform_s']:.1f} | {r['transform_peak_increase_mb']:.0f} | "
            f"{r['output_shape'][0]:,} x {r['output_shape'][1]} float32 "
            f"({r['output_mb']:.0f} MB) | {r['load1_before']:.1f} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
