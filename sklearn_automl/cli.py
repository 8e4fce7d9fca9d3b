"""The ``sklearn-automl`` command: fit, predict and a demo.

Usage errors (bad paths, unreadable files, a missing target column) print a
one-line message to stderr and exit with status 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

__all__ = ["main"]

_DEMOS = ("breast_cancer", "wine", "diabetes")


class UsageError(Exception):
    """A problem with the command line or its files; exit status 2."""


def _read_table(path):
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001 - any reader error is a usage error
        raise UsageError(f"cannot read {path} as a table: {exc}") from None


def _infer_task(y):
    import pandas as pd

    if pd.api.types.is_float_dtype(y.dtype):
        values = y.dropna()
        if not (values == values.round()).all() or values.nunique() > 20:
            return "regression"
    if pd.api.types.is_integer_dtype(y.dtype) and y.nunique() > 20:
        return "regression"
    return "classification"


def _estimator(task, args):
    from . import AutoMLClassifier, AutoMLRegressor

    cls = AutoMLClassifier if task == "classification" else AutoMLRegressor
    return cls(
        time_budget=args.time_budget,
        max_trials=args.max_trials,
        n_jobs=args.n_jobs,
        random_state=args.random_state,
        verbose=args.verbose,
    )


def _cmd_fit(args):
    import joblib

    data = _read_table(args.data)
    if args.target not in data.columns:
        raise UsageError(
            f"target column {args.target!r} is not in {args.data}; columns are "
            f"{list(data.columns)}"
        )
    data = data.dropna(subset=[args.target])
    if data.empty:
        raise UsageError(f"target column {args.target!r} has no non-missing value")
    y = data[args.target]
    X = data.drop(columns=[args.target])
    task = args.task if args.task != "auto" else _infer_task(y)
    model = _estimator(task, args)
    try:
        model.fit(X, y)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.output)
    if out.parent and not out.parent.exists():
        raise UsageError(f"output folder does not exist: {out.parent}")
    joblib.dump(model, out)
    print(model.summary())
    print("\nTop trials:")
    print(model.leaderboard_.drop(columns=["params", "error"]).head(10).to_string(
        index=False))
    print(f"\nbest: {model.best_family_} score={model.best_score_:.5f}  saved to {out}")
    return 0


def _cmd_predict(args):
    import joblib
    import pandas as pd

    path = Path(args.model)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        model = joblib.load(path)
    except Exception as exc:  # noqa: BLE001
        raise UsageError(f"cannot load a model from {path}: {exc}") from None
    if not hasattr(model, "predict"):
        raise UsageError(f"{path} does not hold a fitted model")
    data = _read_table(args.data)
    try:
        pred = model.predict(data)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot predict on {args.data}: {exc}") from None
    frame = pd.DataFrame({"prediction": pred})
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        proba = model.predict_proba(data)
        for j, c in enumerate(model.classes_):
            frame[f"proba_{c}"] = proba[:, j]
    if args.output:
        frame.to_csv(args.output, index=False)
    else:
        frame.to_csv(sys.stdout, index=False)
    return 0


def _cmd_demo(args):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loader = getattr(datasets, f"load_{args.dataset}")
    bunch = loader(as_frame=True)
    X, y = bunch.data, bunch.target
    task = "regression" if args.dataset == "diabetes" else "classification"
    stratify = y if task == "classification" else None
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=stratify
    )
    model = _estimator(task, args)
    print(
        f"sklearn-automl demo: {args.dataset} ({X.shape[0]} rows, {X.shape[1]} "
        f"columns, {task}), time_budget={args.time_budget}s"
    )
    model.fit(X_tr, y_tr)
    cols = ["rank", "family", "mean_score", "std_score", "fit_time", "status"]
    print(model.leaderboard_[cols].head(10).to_string(index=False))
    print(
        f"\n{model.n_trials_} trials in {model.search_time_:.1f}s; best: "
        f"{model.best_family_}, cross-validated {model.best_score_:.4f}; "
        f"held-out test score (same scoring): "
        f"{model.scorer_(model.best_estimator_, X_te, y_te):.4f}"
    )
    return 0


def _positive(text):
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _parser():
    p = argparse.ArgumentParser(
        prog="sklearn-automl",
        description="AutoML that is a scikit-learn estimator all the way down.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, budget):
        sp.add_argument("--time-budget", type=_positive, default=budget,
                        help=f"seconds for the whole fit (default {budget})")
        sp.add_argument("--max-trials", type=int, default=None)
        sp.add_argument("--n-jobs", type=int, default=None)
        sp.add_argument("--random-state", type=int, default=0)
        sp.add_argument("-v", "--verbose", action="count", default=0)

    f = sub.add_parser("fit", help="search a model for a CSV file and save it")
    f.add_argument("data", help="CSV (or parquet) file with a header row")
    f.add_argument("--target", required=True, help="name of the target column")
    f.add_argument("--task", choices=("auto", "classification", "regression"),
                   default="auto")
    f.add_argument("--output", default="model.joblib")
    common(f, 60.0)
    f.set_defaults(func=_cmd_fit)

    pr = sub.add_parser("predict", help="predict a CSV file with a saved model")
    pr.add_argument("model")
    pr.add_argument("data")
    pr.add_argument("--output", default=None, help="CSV to write (default: stdout)")
    pr.set_defaults(func=_cmd_predict)

    d = sub.add_parser("demo", help="run a short search on a bundled dataset")
    d.add_argument("--dataset", choices=_DEMOS, default="breast_cancer")
    common(d, 20.0)
    d.set_defaults(func=_cmd_demo)
    return p


def main(argv=None):
    """Entry point of the ``sklearn-automl`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return args.func(args)
    except UsageError as exc:
        print(f"sklearn-automl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sklearn-automl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
