"""Odd tables: fit + predict + predict_proba + export_code, or a clear error.

The strategy and the contract live in ``table_strategies.py``; here a
bounded number of generated tables runs in CI, plus one wide table of every
column kind the featurizer takes and the kinds that are refused.
``benchmarks/fuzz_tables.py`` is the long run.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from table_strategies import (
    COLUMN_KINDS,
    check_table,
    make_column,
    make_labels,
    tables,
)

from sklearn_automl import AutoMLClassifier

#: kinds refused with a ValueError naming the column
REFUSED = {"complex", "bytes_raw"}


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(table=tables(max_rows=30, max_columns=3))
def test_generated_tables_fit_or_are_refused_by_name(table):
    X, y, task = table
    check_table(X, y, task)


def test_a_table_of_every_accepted_kind_fits_predicts_and_exports():
    rng = np.random.default_rng(0)
    kinds = [k for k in COLUMN_KINDS if k not in REFUSED]
    X = pd.concat([make_column(k, 30, 0.1, rng).rename(k).reset_index(drop=True)
                   for k in kinds], axis=1)
    y = make_labels("unicode_str", 30, 3, rng)
    assert check_table(X, y, "classification", max_trials=1) == "fitted"


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_kinds_name_their_column(kind):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"fine": rng.normal(size=20), "odd één": make_column(kind, 20, 0,
                                                                         rng)})
    with pytest.raises(ValueError, match="Column 'odd één' holds"):
        AutoMLClassifier(time_budget=None, max_trials=1).fit(X, np.arange(20) % 2)


def test_huge_values_fit_without_overflow():
    # |x| ~ 1e300: every trial failed (float32 overflowed to inf)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"huge": rng.normal(size=40) * 1e300, "tiny": rng.normal(
        size=40) * 1e-300})
    y = (X["huge"] > 0).to_numpy()
    model = AutoMLClassifier(time_budget=None, max_trials=2, random_state=0,
                             estimators=["linear", "lightgbm"]).fit(X, y)
    assert {t.status for t in model.history_.trials} == {"ok"}
    assert model.score(X, y) > 0.9


def test_mixed_label_types_are_refused_naming_y():
    X = pd.DataFrame({"a": np.arange(6.0)})
    with pytest.raises(ValueError, match=r"y mixes label types: 1 \(number\), 'a'"):
        AutoMLClassifier(time_budget=None, max_trials=1).fit(
            X, np.array([1, "a", 1, "a", 1, "a"], dtype=object))
