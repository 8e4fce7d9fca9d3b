"""Hypothesis strategies for odd-but-real tables, and the check every one must pass.

Shared by ``tests/test_fuzz_tables.py`` (a bounded number of examples in CI)
and ``benchmarks/fuzz_tables.py`` (the long run). A table is drawn as a list
of column specs (kind, missingness, name) plus a seed for the values, so that
hypothesis shrinks a failure to the fewest, simplest columns.

The contract (:func:`check_table`): ``fit`` + ``predict`` +
``predict_proba`` + ``export_code`` work, and the exported ``fit_model``
predicts what ``best_estimator_`` predicts; or ``fit`` raises a
``ValueError``/``TypeError`` whose message names the offending column or
parameter.
"""

from __future__ import annotations

import datetime
import re
import warnings

import numpy as np
import pandas as pd
from hypothesis import strategies as st

try:  # pyarrow strings only where pyarrow is installed
    import pyarrow  # noqa: F401

    HAS_PYARROW = True
except ImportError:
    HAS_PYARROW = False

#: the column kinds the strategy draws from
COLUMN_KINDS = [
    "float", "int", "nullable_int", "nullable_float", "bool", "nullable_bool",
    "object_mix", "object_numbers", "bytes_utf8", "bytes_raw", "category",
    "category_int", "str", "string_python", "datetime", "datetime_tz",
    "datetime_strings", "timedelta", "period", "interval", "sparse", "complex",
    "huge", "tiny", "int_extreme", "constant", "all_missing", "text",
] + (["string_pyarrow"] if HAS_PYARROW else [])

#: the label kinds of a classification target
LABEL_KINDS = [
    "int", "negative_int", "str", "unicode_str", "bool", "float_integral",
    "category", "nullable_int", "big_int", "mixed_int_str", "str_dtype",
]

_WORDS = ["alpha", "beta", "gamma", "déjà", "日本", "naïve", "x y", "", " ", "None",
          "nan", "NA", "1", "2.5", "true"]


def _names():
    text = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
        max_size=8,
    )
    odd = st.sampled_from(["", " ", "\n", "\x00", "a\tb", "ä", "列", "__", "x__y",
                           "model__C", "0", "None", "nan", "'", '"', "\\", "é́"])
    labels = st.one_of(st.integers(-3, 100), st.floats(allow_nan=False,
                                                       allow_infinity=False),
                       st.booleans(), st.none(), st.tuples(st.integers(0, 2)))
    return st.one_of(text, odd, labels)


@st.composite
def tables(draw, *, max_rows=60, max_columns=5, kinds=None):
    """``(X, y, task)``: an odd DataFrame and target.

    Parameters
    ----------
    max_rows, max_columns : int
    kinds : list of str, optional
        Column kinds to draw from (default: all of :data:`COLUMN_KINDS`).
    """
    n = draw(st.integers(2, max_rows))
    m = draw(st.integers(1, max_columns))
    specs = [(draw(st.sampled_from(kinds or COLUMN_KINDS)),
              draw(st.sampled_from([0.0, 0.0, 0.1, 0.5, 0.95])))
             for _ in range(m)]
    if draw(st.booleans()):  # plain names
        names = [f"c{j}" for j in range(m)]
    else:
        names = [draw(_names()) for _ in range(m)]
        if draw(st.integers(0, 3)):  # mostly unique: duplicates are refused early
            seen = set()
            for j, name in enumerate(names):
                key = (type(name), name)
                if key in seen:
                    names[j] = f"{name}_{j}" if isinstance(name, str) else j + 1000
                seen.add((type(names[j]), names[j]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    columns = [make_column(kind, n, missing, rng) for kind, missing in specs]
    X = pd.concat([pd.Series(c).reset_index(drop=True) for c in columns], axis=1)
    X.columns = pd.Index(names, dtype=object, tupleize_cols=False)
    task = draw(st.sampled_from(["classification", "classification", "regression"]))
    if task == "classification":
        y = make_labels(draw(st.sampled_from(LABEL_KINDS)), n,
                        draw(st.integers(2, 5)), rng)
    else:
        scale = draw(st.sampled_from([1.0, 1e-8, 1e8, 1e-300, 1e300]))
        y = rng.normal(size=n) * scale
    return X, y, task


def make_column(kind, n, missing, rng):
    """One column of ``n`` values of ``kind`` with a ``missing`` share of NA."""
    miss = rng.random(n) < missing
    if kind == "float":
        return pd.Series(np.where(miss, np.nan, rng.normal(size=n)))
    if kind == "int":
        return pd.Series(rng.integers(-5, 5, n))
    if kind == "nullable_int":
        return pd.Series(pd.array(rng.integers(0, 10, n), dtype="Int64")).mask(miss)
    if kind == "nullable_float":
        return pd.Series(pd.array(rng.normal(size=n), dtype="Float64")).mask(miss)
    if kind == "bool":
        return pd.Series(rng.random(n) > 0.5)
    if kind == "nullable_bool":
        return pd.Series(pd.array(rng.random(n) > 0.5, dtype="boolean")).mask(miss)
    if kind == "object_mix":
        pool = [1, 2.5, "a", "b", None, True, np.nan, pd.NA, (1, 2), b"x", 3]
        return pd.Series([pool[i] for i in rng.integers(0, len(pool), n)],
                         dtype=object)
    if kind == "object_numbers":
        return pd.Series(list(rng.integers(0, 4, n)) , dtype=object).mask(miss)
    if kind == "bytes_utf8":
        return pd.Series([w.encode() for w in rng.choice(_WORDS, n)],
                         dtype=object).mask(miss)
    if kind == "bytes_raw":
        return pd.Series([bytes(rng.integers(128, 256, 3).tolist()) for _ in range(n)],
                         dtype=object).mask(miss)
    if kind == "category":
        return pd.Series(pd.Categorical(rng.choice(_WORDS[:6], n))).mask(miss)
    if kind == "category_int":
        return pd.Series(pd.Categorical(rng.integers(0, 3, n))).mask(miss)
    if kind in ("str", "string_python", "string_pyarrow"):
        dtype = {"str": "str", "string_python": "string[python]",
                 "string_pyarrow": "string[pyarrow]"}[kind]
        return pd.Series(rng.choice(_WORDS, n), dtype=dtype).mask(miss)
    if kind == "text":
        words = np.array(["lorem", "ipsum", "dolor", "sit", "amet", "ünï", "码",
                          "consectetur", "adipiscing", "elit"] + [f"w{i}" for i in
                                                                  range(30)])
        return pd.Series([" ".join(rng.choice(words, 5)) for _ in range(n)]).mask(miss)
    if kind == "datetime":
        base = np.datetime64("2020-01-01T00:00:00", "ns")
        values = base + rng.integers(0, 10**17, n).astype("timedelta64[ns]")
        return pd.Series(values).mask(miss)
    if kind == "datetime_tz":
        values = pd.to_datetime(rng.integers(0, 10**18, n), utc=True)
        return pd.Series(values).dt.tz_convert("Asia/Kolkata").mask(miss)
    if kind == "datetime_strings":
        days = rng.integers(0, 3000, n)
        return pd.Series([str(datetime.date(2015, 1, 1) + datetime.timedelta(int(d)))
                          for d in days], dtype=object).mask(miss)
    if kind == "timedelta":
        return pd.Series(pd.to_timedelta(rng.integers(0, 10**6, n), unit="s")).mask(miss)
    if kind == "period":
        return pd.Series(pd.period_range("2000-01", periods=n, freq="M")[
            rng.permutation(n)]).mask(miss)
    if kind == "interval":
        left = rng.integers(0, 3, n)
        return pd.Series(pd.arrays.IntervalArray.from_arrays(left, left + 1)).mask(miss)
    if kind == "sparse":
        values = np.where(rng.random(n) < 0.7, 0.0, rng.normal(size=n))
        return pd.Series(pd.arrays.SparseArray(values))
    if kind == "complex":
        return pd.Series(rng.normal(size=n) + 1j * rng.normal(size=n))
    if kind == "huge":
        return pd.Series(np.where(miss, np.nan, rng.normal(size=n) * 1e300))
    if kind == "tiny":
        return pd.Series(np.where(miss, np.nan, rng.normal(size=n) * 1e-300))
    if kind == "int_extreme":
        info = np.iinfo(np.int64)
        return pd.Series(rng.choice([info.min, info.max, 0, 1], n).astype(np.int64))
    if kind == "constant":
        return pd.Series(np.full(n, 7.0))
    if kind == "all_missing":
        return pd.Series([None] * n, dtype=object)
    raise ValueError(f"unknown column kind {kind!r}")


def make_labels(kind, n, n_classes, rng):
    """A classification target of ``kind`` with up to ``n_classes`` labels."""
    codes = rng.integers(0, n_classes, n)
    codes[: min(n, n_classes)] = np.arange(min(n, n_classes))  # each class once
    rng.shuffle(codes)
    if kind == "int":
        return codes
    if kind == "negative_int":
        return codes - 10
    if kind == "str":
        return np.array(["no", "yes", "maybe", "n/a", ""])[codes]
    if kind == "unicode_str":
        return np.array(["ja", "日本", "🙂", "é", "\t"], dtype=object)[codes]
    if kind == "bool":
        return codes % 2 == 0
    if kind == "float_integral":
        return codes.astype(float) * 2.0
    if kind == "category":
        return pd.Series(pd.Categorical(np.array(list("abcde"))[codes]))
    if kind == "nullable_int":
        return pd.Series(pd.array(codes, dtype="Int64"))
    if kind == "big_int":
        return codes.astype(np.int64) * 10**17
    if kind == "mixed_int_str":
        return np.array([1, "a", 2, "b", 3], dtype=object)[codes]
    if kind == "str_dtype":
        return pd.Series(np.array(list("vwxyz"))[codes], dtype="str")
    raise ValueError(f"unknown label kind {kind!r}")


def names_the_culprit(message, X):
    """Whether an error message names a column of ``X``, a parameter or ``y``."""
    for name in X.columns:
        if repr(name) in message or (isinstance(name, str) and len(name) > 1
                                     and name in message):
            return True
    return bool(re.search(
        r"column name|feature name|\by\b|\blabel|\bX\b|time_budget|max_trials|"
        r"\bcv\b|estimators|scoring",
        message,
    ))


def check_table(X, y, task, *, estimators=("linear", "lightgbm"), max_trials=2,
                run_export=True):
    """Fit the AutoML on ``(X, y)`` and check the contract; the outcome.

    Returns
    -------
    outcome : str
        ``"fitted"`` or ``"refused: <error>"``. Anything else raises
        ``AssertionError`` (or the unexpected exception itself).
    """
    from sklearn_automl import AutoMLClassifier, AutoMLRegressor

    cls = AutoMLClassifier if task == "classification" else AutoMLRegressor
    model = cls(time_budget=None, max_trials=max_trials, estimators=list(estimators),
                ensemble_size=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X, y)
        except (ValueError, TypeError) as exc:
            message = str(exc)
            assert names_the_culprit(message, X), (
                f"{type(exc).__name__} does not name a column or parameter: "
                f"{message}")
            assert "All " not in message or "trials failed" not in message, message
            return f"refused: {type(exc).__name__}: {message[:200]}"
        pred = model.predict(X)
        assert len(pred) == len(X)
        if task == "classification":
            assert set(pd.unique(pred)) <= set(model.classes_)
            proba = model.predict_proba(X)
            assert proba.shape == (len(X), len(model.classes_))
            assert np.all(np.isfinite(proba))
            np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
        else:
            assert np.all(np.isfinite(pred))
        source = model.export_code()
        code = compile(source, "model.py", "exec")
        if run_export:
            namespace = {"__name__": "exported_model"}
            exec(code, namespace)  # noqa: S102 - our own generated module
            refit = namespace["fit_model"](X, y)
            np.testing.assert_array_equal(refit.predict(X), model.best_estimator_.predict(X))
    return "fitted"
