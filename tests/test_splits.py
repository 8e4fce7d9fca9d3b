"""make_splits: the default folds can always be scored (tiny and imbalanced data)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold, StratifiedKFold

from sklearn_automl._splits import make_splits


def _labels(counts):
    return np.repeat(np.arange(len(counts)), counts)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 12), min_size=2, max_size=5),
       seed=st.integers(0, 1000))
def test_default_folds_hold_every_class_where_possible(counts, seed):
    y = np.random.default_rng(seed).permutation(_labels(counts))
    X = np.zeros((len(y), 1))
    splits, _ = make_splits(X, y, None, classification=True, seed=seed)
    several = {c for c, k in enumerate(counts) if k >= 2}
    if not several:  # every class a single row: scored in sample
        assert len(splits) == 1
        np.testing.assert_array_equal(splits[0][0], splits[0][1])
        return
    assert 2 <= len(splits) <= 5
    validated = np.concatenate([te for _, te in splits])
    # every row of a class with >= 2 rows is validated exactly once, the
    # single-row classes never
    assert sorted(validated) == sorted(np.flatnonzero(np.isin(y, list(several))))
    for train, test in splits:
        assert set(y[train]) == set(range(len(counts)))  # no class left out
        assert set(y[test]) == several  # every fold can be scored
        assert not set(train) & set(test)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 9, 10, 50])
def test_default_regression_folds_validate_two_rows_each(n):
    y = np.arange(n, dtype=float)
    splits, _ = make_splits(np.zeros((n, 1)), y, None, classification=False, seed=0)
    sizes = [len(te) for _, te in splits]
    if n == 1:
        assert splits[0][0].tolist() == splits[0][1].tolist() == [0]
    elif n < 4:  # leave-one-out
        assert sizes == [1] * n
    else:
        assert min(sizes) >= 2 and len(splits) == min(5, n // 2)
        assert sorted(np.concatenate([te for _, te in splits])) == list(range(n))


def test_ordinary_data_keeps_five_stratified_folds():
    y = _labels([40, 60])
    splits, splitter = make_splits(np.zeros((100, 1)), y, None, classification=True,
                                   seed=3)
    assert isinstance(splitter, StratifiedKFold) and splitter.n_splits == 5
    expected = list(StratifiedKFold(5, shuffle=True, random_state=3).split(
        np.zeros((100, 1)), y))
    for (tr, te), (etr, ete) in zip(splits, expected, strict=True):
        np.testing.assert_array_equal(tr, etr)
        np.testing.assert_array_equal(te, ete)


def test_rare_class_reduces_the_folds_to_its_rows():
    y = _labels([3, 30, 30])
    splits, splitter = make_splits(np.zeros((63, 1)), y, None, classification=True,
                                   seed=0)
    assert len(splits) == 3 and isinstance(splitter, StratifiedKFold)


@pytest.mark.parametrize("cv", [3, 0.25])
def test_single_row_class_stays_in_training_with_int_and_float_cv(cv):
    y = np.r_[_labels([10, 10]), 2]
    splits, splitter = make_splits(np.zeros((21, 1)), y, cv, classification=True,
                                   seed=0)
    assert splitter is None  # not a plain sklearn splitter any more
    for train, test in splits:
        assert 20 in train and 20 not in test
        assert set(y[test]) == {0, 1}


def test_too_many_folds_for_the_rows_is_a_clear_error():
    with pytest.raises(ValueError, match=r"n_samples=3, fewer than the cv=5.*cv=None"):
        make_splits(np.zeros((3, 1)), np.array([0, 1, 0]), 5, classification=True,
                    seed=0)


def test_given_splitter_is_used_as_is():
    y = _labels([5, 5])
    splits, splitter = make_splits(np.zeros((10, 1)), y, KFold(2), classification=True,
                                   seed=0)
    assert isinstance(splitter, KFold) and len(splits) == 2
