"""The plan phase is bounded: the string heuristics of the column-kind
detection read a bounded sample, whatever the number of rows (issue 21)."""

import numpy as np
import pandas as pd
import pandas.tseries.api as tseries_api
import pytest

from sklearn_automl._plan import make_plan
from sklearn_automl.features import _columns
from sklearn_automl.features._columns import _SAMPLE, infer_column_kinds

#: guess_datetime_format calls per column (datetime_format tries 20 values)
_MAX_GUESSES = 20


def _big_table(n, seed=0):
    rng = np.random.RandomState(seed)
    words = np.array([f"w{i}" for i in range(40)])
    vocabulary = np.array([f"t{i}" for i in range(3000)])
    note = vocabulary[rng.randint(0, len(vocabulary), (n, 8))]
    tags = words[rng.randint(0, len(words), (n, 3))]
    n_tags = rng.randint(2, 4, n)
    start = np.datetime64("2017-01-01T00:00:00")
    seconds = rng.randint(0, 365 * 86400, n).astype("timedelta64[s]")
    return pd.DataFrame({
        "stamp": pd.Series((start + seconds).astype(str), dtype=object),
        "ticket": [f"17-{i:06d}" for i in range(n)],  # one per row
        "tags": [", ".join(row[:k]) for row, k in zip(tags, n_tags)],
        "note": [" ".join(row) for row in note],
        "code": rng.randint(0, 5000, n).astype(str),  # numbers stored as strings
        "city": rng.choice([f"c{i}" for i in range(500)], n),
        "small": rng.choice(["a", "b", "c"], n),
        "x": rng.normal(size=n),
    })


def _sizes(values):
    return len(values) if hasattr(values, "__len__") else 1


@pytest.fixture
def counted(monkeypatch):
    """Wrap the expensive checks; record (function, rows) of every call."""
    calls = []

    def wrap(owner, name):
        original = getattr(owner, name)

        def wrapper(values, *args, **kwargs):
            calls.append((name, _sizes(values)))
            return original(values, *args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    for name in ("looks_like_dates", "datetime_format", "parse_datetime",
                 "token_statistics", "_looks_like_text"):
        wrap(_columns, name)
    wrap(tseries_api, "guess_datetime_format")
    return calls


def test_string_heuristics_read_a_bounded_sample(counted):
    n = 2 * _SAMPLE + 500
    kinds = infer_column_kinds(_big_table(n))
    assert kinds == {
        "stamp": "datetime", "ticket": "id", "tags": "tokens", "note": "text",
        "code": "numeric", "city": "high_cardinality", "small": "categorical",
        "x": "numeric",
    }
    by_name = {}
    for name, rows in counted:
        by_name.setdefault(name, []).append(rows)
    # every expensive check ran, and none on more than the sample
    for name in ("looks_like_dates", "datetime_format", "parse_datetime",
                 "token_statistics", "_looks_like_text"):
        assert by_name.get(name), f"{name} was not called"
        assert max(by_name[name]) <= _SAMPLE, (name, max(by_name[name]))
    # one value per format guess, at most 20 guesses per string column tried
    n_string_columns = 7
    assert len(by_name["guess_datetime_format"]) <= _MAX_GUESSES * n_string_columns


def test_the_bounded_work_does_not_grow_with_the_rows(counted):
    infer_column_kinds(_big_table(2 * _SAMPLE, seed=1))
    small = sorted(counted)
    counted.clear()
    infer_column_kinds(_big_table(6 * _SAMPLE, seed=1))
    big = sorted(counted)
    # same calls, each on at most the sample: 3x the rows adds no heuristic work
    assert [name for name, _ in big] == [name for name, _ in small]
    assert sum(rows for _, rows in big) <= sum(rows for _, rows in small) * 1.05 + 50


def test_make_plan_detects_through_the_bounded_path(counted):
    plan = make_plan(_big_table(2 * _SAMPLE), "classification", ["linear"])
    assert plan.kinds["stamp"] == "datetime" and plan.kinds["tags"] == "tokens"
    assert max(rows for _, rows in counted) <= _SAMPLE
