"""Column-kind detection: every dtype the issue lists, overrides, arrays."""

import numpy as np
import pandas as pd
import pytest

from sklearn_automl.features import KINDS, infer_column_kinds

N = 200


def _words(rng, n, vocabulary=60, length=(4, 12)):
    words = np.array([f"word{i}" for i in range(vocabulary)])
    return [" ".join(rng.choice(words, rng.randint(*length))) for _ in range(n)]


@pytest.fixture
def messy():
    rng = np.random.RandomState(0)
    return pd.DataFrame({
        "float": rng.normal(size=N),
        "int": rng.randint(0, 50, N),
        "Int64": pd.array(np.where(rng.rand(N) < 0.2, None, rng.randint(0, 9, N)),
                          dtype="Int64"),
        "Float64": pd.array(np.where(rng.rand(N) < 0.2, None, rng.rand(N)),
                            dtype="Float64"),
        "boolean": pd.array(np.where(rng.rand(N) < 0.2, None, rng.rand(N) < 0.5),
                            dtype="boolean"),
        "bool": rng.rand(N) < 0.5,
        "bool_objects": pd.Series(rng.choice([True, False, None], N), dtype=object),
        "object": pd.Series(rng.choice(["a", "b", None], N), dtype=object),
        "string": pd.Series(rng.choice(["x", "y", None], N), dtype="string"),
        "str": pd.Series(rng.choice(["u", "v"], N), dtype="str"),
        "category": pd.Categorical(rng.choice(["lo", "hi"], N)),
        "high": [f"level{i}" for i in rng.randint(0, 120, N)],
        "high_category": pd.Categorical([f"c{i}" for i in rng.randint(0, 90, N)]),
        "datetime": pd.date_range("2020-01-01", periods=N, freq="D"),
        "datetime_tz": pd.date_range("2020-01-01", periods=N, freq="h", tz="US/Eastern"),
        "date_strings": pd.date_range("2019-03-01", periods=N, freq="D").strftime(
            "%d/%m/%Y %H:%M"),
        "period": pd.period_range("2020-01", periods=N, freq="M"),
        "timedelta": pd.to_timedelta(rng.randint(0, 1000, N), unit="s"),
        "text": _words(rng, N),
        "numbers_as_strings": rng.randint(0, 1000, N).astype(str),
        "uuid": [f"id-{i:08x}" for i in rng.permutation(N)],
        "customer_id": rng.permutation(N) + 10_000,
        "row_number": np.arange(N),
        "year": np.arange(1800, 1800 + N),
        "constant": "same",
        "all_missing": np.nan,
        "one_value_and_missing": np.where(rng.rand(N) < 0.5, 1.0, np.nan),
    })


EXPECTED = {
    "float": "numeric",
    "int": "numeric",
    "Int64": "numeric",
    "Float64": "numeric",
    "boolean": "boolean",
    "bool": "boolean",
    "bool_objects": "boolean",
    "object": "categorical",
    "string": "categorical",
    "str": "categorical",
    "category": "categorical",
    "high": "high_cardinality",
    "high_category": "high_cardinality",
    "datetime": "datetime",
    "datetime_tz": "datetime",
    "date_strings": "datetime",
    "period": "datetime",
    "timedelta": "numeric",
    "text": "text",
    "numbers_as_strings": "numeric",
    "uuid": "id",
    "customer_id": "id",
    "row_number": "id",
    "year": "numeric",  # a run of integers that is data, not a row number
    "constant": "constant",
    "all_missing": "constant",
    "one_value_and_missing": "numeric",  # the missingness is the information
}


@pytest.mark.parametrize("column", list(EXPECTED))
def test_every_dtype_gets_its_kind(messy, column):
    assert infer_column_kinds(messy)[column] == EXPECTED[column]


def test_reasons_explain_every_decision(messy):
    kinds, reasons = infer_column_kinds(messy, return_reasons=True)
    assert list(kinds) == list(messy.columns)
    assert set(kinds.values()) <= set(KINDS)
    assert "distinct" in reasons["high"] and "parse as dates" in reasons["date_strings"]


def test_user_kinds_override_detection(messy):
    kinds = infer_column_kinds(messy, kinds={"int": "categorical", "uuid": "drop"})
    assert kinds["int"] == "categorical" and kinds["uuid"] == "drop"
    assert kinds["float"] == "numeric"


def test_cardinality_threshold():
    X = pd.DataFrame({"c": [f"v{i % 20}" for i in range(100)]})
    assert infer_column_kinds(X)["c"] == "categorical"
    assert infer_column_kinds(X, cardinality_threshold=10)["c"] == "high_cardinality"


def test_words_without_digits_are_not_dates():
    days = pd.DataFrame({"day": ["Mon", "Tue", "Wed", "Thu", "Fri"] * 20})
    ranges = pd.DataFrame({"age": ["10-20", "20-30", "30-40"] * 20})
    assert infer_column_kinds(days)["day"] == "categorical"
    assert infer_column_kinds(ranges)["age"] == "categorical"


def test_small_tables_have_no_identifiers():
    X = pd.DataFrame({"name": ["ann", "bob", "cid", "dan"]})
    assert infer_column_kinds(X)["name"] == "categorical"


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([[1.0, 5.0], [2.0, 5.0], [np.nan, 5.0]]), {0: "numeric", 1: "constant"}),
        (np.array([[True], [False]]), {0: "boolean"}),
        (np.array([["a", 1.0], ["b", 2.0], [None, 3.0]], dtype=object),
         {0: "categorical", 1: "numeric"}),
        ([[1, "x"], [2, "y"]], {0: "numeric", 1: "categorical"}),
    ],
)
def test_arrays_are_keyed_by_position(array, expected):
    assert infer_column_kinds(array) == expected


def test_duplicated_columns_are_named():
    X = pd.DataFrame([[1, 2, 3]], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"duplicated column name\(s\) \['a'\]"):
        infer_column_kinds(X)


def test_bad_overrides_are_named():
    X = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(ValueError, match=r"column\(s\) \['zzz'\]"):
        infer_column_kinds(X, kinds={"zzz": "numeric"})
    with pytest.raises(ValueError, match="Unknown kind"):
        infer_column_kinds(X, kinds={"a": "money"})
