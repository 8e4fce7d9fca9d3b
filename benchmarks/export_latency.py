"""Exported model vs in-library model: size on disk, load and predict latency.

Fits AutoMLClassifier and AutoMLRegressor on a synthetic mixed-type table
(numbers with missing values, strings, a 60-level category, booleans, a
nullable integer, a ``category`` column), exports each winner with
``export_code``, fits the exported ``build_model()`` on the same data in a
process where ``sklearn_automl`` cannot be imported, checks that it predicts
the same, and compares:

- size: ``model.py`` + the joblib file of the fitted exported pipeline vs the
  joblib file of the fitted AutoML object;
- cold load: a fresh process, from the first line of its script (imports
  included) to the model loaded, then its first prediction (median of runs);
- warm predict: 1,000 rows and one row, in one process (median of runs).

    python benchmarks/export_latency.py [--rows 5000] [--repeat 7]
        [--output benchmarks/results/export_latency.md]
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn

from sklearn_automl import AutoMLClassifier, AutoMLRegressor, __version__

BLOCK = textwrap.dedent(
    """
    import sys

    class _NoAutoML:
        def find_spec(self, name, path=None, target=None):
            if name == "sklearn_automl" or name.startswith("sklearn_automl."):
                raise ImportError(f"{name} is blocked")

    sys.meta_path.insert(0, _NoAutoML())
    """
)
FIT_EXPORT = BLOCK + textwrap.dedent(
    """
    import pickle
    import joblib
    sys.path.insert(0, sys.argv[1])
    import model
    with open(sys.argv[2], "rb") as f:
        X, y, X_test = pickle.load(f)
    fitted = model.build_model().fit(X, y)
    joblib.dump(fitted, sys.argv[3])
    with open(sys.argv[4], "wb") as f:
        pickle.dump(fitted.predict(X_test), f)
    """
)
COLD = textwrap.dedent(
    """
    import time
    t0 = time.perf_counter()
    import sys
    {setup}
    import pickle
    import joblib
    m = joblib.load(sys.argv[1])
    t1 = time.perf_counter()
    with open(sys.argv[2], "rb") as f:
        X = pickle.load(f)
    t2 = time.perf_counter()
    m.predict(X)
    t3 = time.perf_counter()
    print(t1 - t0, t3 - t2)
    """
)


def make_data(n, seed=0):
    rng = np.random.RandomState(seed)
    levels = [f"level_{i}" for i in range(60)]
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": np.where(rng.rand(n) < 0.15, np.nan, rng.exponential(size=n)),
            "x3": rng.randint(0, 100, n),
            "city": pd.Series(rng.choice(["paris", "rome", "oslo", "lima", None], n),
                              dtype=object),
            "product": rng.choice(levels, n),
            "member": rng.rand(n) > 0.3,
            "visits": pd.array(np.where(rng.rand(n) < 0.1, None, rng.poisson(3, n)),
                               dtype="Int64"),
            "grade": pd.Categorical(rng.choice(["A", "B", "C", "D"], n)),
        }
    )
    signal = (
        np.sin(2 * X["x1"]) * (X["x3"] > 50) + 0.5 * X["x2"].fillna(0) ** 2
        + (X["city"] == "rome") * (X["grade"] == "A") * 1.2
        + X["product"].str[-1].astype(int) * 0.1 + X["member"] * 0.4
        + rng.normal(scale=0.5, size=n)
    )
    return X, signal.to_numpy()


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def cold(script_setup, model_file, data_file, repeat, cwd):
    loads, predicts = [], []
    script = COLD.format(setup=script_setup)
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", script, model_file, data_file], cwd=cwd,
            capture_output=True, text=True, check=True,
        ).stdout.split()
        loads.append(float(out[0]))
        predicts.append(float(out[1]))
    return float(np.median(loads)), float(np.median(predicts))


def measure(task, estimators, X, target, X_test, repeat, work):
    search = {"max_trials": 8, "time_budget": None, "cv": 3, "random_state": 0}
    if task == "classification":
        y = np.where(target > np.median(target), "high", "low")
        automl = AutoMLClassifier(estimators=estimators, **search)
    else:
        y = target
        automl = AutoMLRegressor(estimators=estimators, **search)
    automl.fit(X, y)
    folder = work / f"{task}-{estimators}"
    folder.mkdir()
    automl.export_code(folder)
    data = folder / "data.pkl"
    with open(data, "wb") as f:
        pickle.dump((X, y, X_test), f)
    test_file = folder / "X_test.pkl"
    with open(test_file, "wb") as f:
        pickle.dump(X_test, f)
    lib_file, exp_file = folder / "automl.joblib", folder / "exported.joblib"
    joblib.dump(automl, lib_file)
    subprocess.run(
        [sys.executable, "-c", FIT_EXPORT, str(folder), str(data), str(exp_file),
         str(folder / "pred.pkl")],
        check=True, capture_output=True, text=True,
    )
    with open(folder / "pred.pkl", "rb") as f:
        same = bool(np.array_equal(pickle.load(f), automl.best_estimator_.predict(X_test)))

    lib_cold = cold("", str(lib_file), str(test_file), repeat, folder)
    exp_cold = cold(
        BLOCK + f"\nsys.path.insert(0, {str(folder)!r})",
        str(exp_file), str(test_file), repeat, folder,
    )
    sys.path.insert(0, str(folder))
    try:
        lib, exp = joblib.load(lib_file), joblib.load(exp_file)
        one = X_test.iloc[:1]
        warm = {
            "lib_batch": median_time(lambda: lib.predict(X_test), repeat * 3),
            "exp_batch": median_time(lambda: exp.predict(X_test), repeat * 3),
            "lib_one": median_time(lambda: lib.predict(one), repeat * 3),
            "exp_one": median_time(lambda: exp.predict(one), repeat * 3),
        }
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("model", None)
    py = folder / "model.py"
    return {
        "task": task if estimators is None else f"{task}, {estimators[0]} only",
        "family": automl.best_family_,
        "same": same,
        "model_py": py.stat().st_size,
        "model_py_lines": len(py.read_text(encoding="utf-8").splitlines()),
        "exp_joblib": exp_file.stat().st_size,
        "lib_joblib": lib_file.stat().st_size,
        "lib_cold": lib_cold,
        "exp_cold": exp_cold,
        **warm,
    }


def report(rows, args):
    kib = 1024
    lines = [
        "# Exported model vs in-library model: size and latency",
        "",
        (f"`python benchmarks/export_latency.py --rows {args.rows} --repeat {args.repeat}`"
        f" on {platform.machine()} ({os.cpu_count()} CPUs, shared), Python "
        f"{platform.python_version()}, sklearn_automl {__version__}, scikit-learn "
        f"{sklearn.__version__}. Training table: {args.rows} rows x 8 mixed columns; "
        "AutoML search: 8 trials (all built-in families unless noted), 3-fold CV; batch = 1,000 rows. Times are medians."),
        "",
        "| | " + " | ".join(f"{r['task']} ({r['family']})" for r in rows) + " |",
        "|---|" + "---|" * len(rows),
        "| exported predictions equal `best_estimator_` | "
        + " | ".join("yes" if r["same"] else "**no**" for r in rows) + " |",
        "| `model.py` (bytes / lines) | "
        + " | ".join(f"{r['model_py']:,} / {r['model_py_lines']}" for r in rows) + " |",
        "| fitted exported pipeline, joblib | "
        + " | ".join(f"{r['exp_joblib'] / kib:,.1f} KiB" for r in rows) + " |",
        "| **exported total** (model.py + joblib) | "
        + " | ".join(f"{(r['model_py'] + r['exp_joblib']) / kib:,.1f} KiB" for r in rows)
        + " |",
        "| **AutoML object**, joblib | "
        + " | ".join(f"{r['lib_joblib'] / kib:,.1f} KiB" for r in rows) + " |",
        "| cold load, exported (fresh process: imports + joblib.load) | "
        + " | ".join(f"{1e3 * r['exp_cold'][0]:.0f} ms" for r in rows) + " |",
        "| cold load, AutoML object | "
        + " | ".join(f"{1e3 * r['lib_cold'][0]:.0f} ms" for r in rows) + " |",
        "| first predict (1,000 rows) after cold load, exported / AutoML | "
        + " | ".join(
            f"{1e3 * r['exp_cold'][1]:.1f} / {1e3 * r['lib_cold'][1]:.1f} ms" for r in rows
        ) + " |",
        "| warm predict, 1,000 rows, exported / AutoML | "
        + " | ".join(
            f"{1e3 * r['exp_batch']:.2f} / {1e3 * r['lib_batch']:.2f} ms" for r in rows
        ) + " |",
        "| warm predict, 1 row, exported / AutoML | "
        + " | ".join(
            f"{1e3 * r['exp_one']:.2f} / {1e3 * r['lib_one']:.2f} ms" for r in rows
        ) + " |",
        "",
        ("The AutoML object carries the search (history with out-of-fold "
        "predictions of the best trials, cv_results_, leaderboard) besides the "
        "refit pipeline; the export carries the pipeline only. The exported process "
        "never imports sklearn_automl (blocked), the library process imports it "
        "through unpickling."),
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--output", default=None, help="markdown file to write")
    args = p.parse_args(argv)
    X, target = make_data(args.rows + 1000)
    X_train, X_test = X.iloc[: args.rows], X.iloc[args.rows:]
    t_train, _ = target[: args.rows], target[args.rows:]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [
            measure(task, estimators, X_train, t_train, X_test, args.repeat, Path(tmp))
            for task, estimators in (
                ("classification", None),
                ("regression", None),
                ("classification", ["random_forest"]),
            )
        ]
    text = report(rows, args)
    print(text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
