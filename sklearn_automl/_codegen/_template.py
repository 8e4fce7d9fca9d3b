"""The fixed parts of the generated module: its docstring and command line.

The command line reads the CSV columns the model was trained on (by name, or
by position for array input), parses datetime columns and reads the other
columns that are not numeric or boolean as text, fits the model (with
``fit_model``, which limits threads as the library's refit did) and saves
it with joblib, or loads it and writes predictions (and class
probabilities) as CSV.
"""

DOCSTRING = '''"""A model found by sklearn_automl, as standalone scikit-learn code.

``build_model()`` returns the unfitted estimator with every hyperparameter as
found; ``fit_model(X, y)`` fits it as sklearn_automl refit it, with the same
limit on BLAS/OpenMP threads (thread counts change floating-point rounding,
so this is what reproduces the library's model bit for bit). sklearn_automl
is not needed to run this file.

Train on a CSV file and save the fitted model with joblib::

    python model.py train.csv --target COLUMN --output model.joblib

Predict (writes a CSV of predictions, plus class probabilities for
classifiers; "-" is standard output)::

    python model.py predict model.joblib data.csv --output predictions.csv

A model saved by the command above refers to the classes defined in this file
as ``__main__.<name>``: load it with the predict command, or in a script that
runs ``from model import *`` first.
"""'''

FIT_MODEL = '''
def fit_model(X, y):
    """Fit ``build_model()`` with BLAS/OpenMP limited to ``FIT_THREADS`` threads."""
    with threadpool_limits(limits=FIT_THREADS):
        return build_model().fit(X, y)
'''

CLI = '''
def read_csv(path, target=None):
    """Read a CSV file as the model's input: ``(X, y)``.

    Columns are taken by name (by position for a model trained on an array or
    on unnamed columns); datetime columns are parsed as dates and the other
    columns that are neither numeric nor boolean are read as text, as they
    were in training. ``y`` is the ``target`` column, or None when the file
    has none.
    """
    header = list(pd.read_csv(path, nrows=0).columns)
    if INPUT == "frame":
        missing = [c for c in COLUMN_KINDS if c not in header]
        if missing:
            raise SystemExit(f"{path}: missing feature columns {missing}.")
        names = list(COLUMN_KINDS)
    else:
        names = [c for c in header if c != target]
        if len(names) != len(COLUMN_KINDS):
            raise SystemExit(
                f"{path}: expected {len(COLUMN_KINDS)} feature columns besides the "
                f"target, found {len(names)}."
            )
    kinds = dict(zip(names, COLUMN_KINDS.values()))
    text = {c: str for c, kind in kinds.items() if kind not in ("numeric", "boolean")}
    frame = pd.read_csv(path, dtype=text, float_precision="round_trip")
    for c, kind in kinds.items():
        if kind == "datetime":
            frame[c] = pd.to_datetime(frame[c], errors="coerce")
    y = frame[target].to_numpy() if target in frame.columns else None
    X = frame[names]
    if INPUT == "array":
        X = X.to_numpy(dtype=float)
    elif INPUT == "frame_by_position":
        X = X.set_axis(list(COLUMN_KINDS), axis=1)
    return X, y


def train(data, target, output):
    """Fit the model on a CSV file and save it to ``output``."""
    X, y = read_csv(data, target)
    if y is None:
        raise SystemExit(f"{data}: no target column {target!r}.")
    model = fit_model(X, y)
    joblib.dump(model, output)
    return model


def predict(model_file, data, output="-", target=None):
    """Write the predictions of a saved model for a CSV file to ``output``."""
    model = joblib.load(model_file)
    X, _ = read_csv(data, target)
    out = pd.DataFrame({"prediction": model.predict(X)})
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(X)
        for j, label in enumerate(model.classes_):
            out.insert(
                len(out.columns), f"proba_{label}", proba[:, j], allow_duplicates=True
            )
    out.to_csv(sys.stdout if output == "-" else output, index=False)
    return out


def main(argv=None):
    """Command line: ``TRAIN.csv --target COL`` or ``predict MODEL DATA.csv``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["predict"]:
        parser = argparse.ArgumentParser(
            description="Predict with a model saved by this script."
        )
        parser.add_argument("model", help="the file written by training")
        parser.add_argument("data", help="CSV file with the feature columns")
        parser.add_argument(
            "--output", default="-", help="CSV file to write ('-': standard output)"
        )
        parser.add_argument(
            "--target", default=None, help="a column to leave out, if present"
        )
        args = parser.parse_args(argv[1:])
        predict(args.model, args.data, args.output, args.target)
        return
    if argv[:1] == ["train"]:
        argv = argv[1:]
    parser = argparse.ArgumentParser(
        description="Fit build_model() on a CSV file and save it with joblib."
    )
    parser.add_argument("data", help="training CSV file")
    parser.add_argument("--target", required=True, help="the target column")
    parser.add_argument("--output", default="model.joblib", help="file to write")
    args = parser.parse_args(argv)
    train(args.data, args.target, args.output)


if __name__ == "__main__":
    main()
'''
