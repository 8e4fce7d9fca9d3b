"""Tiny and degenerate data fit wherever a default LogisticRegression/Ridge fits."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import check_fit2d_1feature

from sklearn_automl import AutoMLClassifier, AutoMLRegressor

_FAST = {"time_budget": None, "max_trials": 2, "random_state": 0}


def _classification(n, n_features, n_classes, seed):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes  # every class at least once
    rng.shuffle(y)
    X = rng.normal(size=(n, n_features)) + y[:, None]
    return X, y


def test_sklearn_check_fit2d_1feature_with_default_folds():
    # 10 rows, 1 feature, 3 classes: 5 folds left classes out and NaN scores
    check_fit2d_1feature("AutoMLClassifier", AutoMLClassifier(**_FAST))
    check_fit2d_1feature("AutoMLRegressor", AutoMLRegressor(**_FAST))


def test_ten_rows_one_feature_three_classes_fit_like_logistic_regression():
    X, y = _classification(10, 1, 3, seed=0)
    LogisticRegression().fit(X, y)
    model = AutoMLClassifier(**_FAST).fit(X, y)
    assert [t.status for t in model.history_.trials] == ["ok", "ok"]
    assert model.n_splits_ == 3  # the rarest class has 3 rows
    assert model.predict_proba(X).shape == (10, 3)


@pytest.mark.parametrize(("n", "n_classes"), [(2, 2), (5, 5), (3, 2)])
def test_every_class_a_single_row_fits_with_default_families(n, n_classes):
    X, y = _classification(n, 2, n_classes, seed=1)
    LogisticRegression().fit(X, y)  # what we must match
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoMLClassifier(**_FAST).fit(X, y)
    assert set(model.predict(X)) <= set(y)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)


@settings(max_examples=8, deadline=None)
@given(n=st.sampled_from([2, 5, 10, 20, 50]), n_features=st.integers(1, 3),
       n_classes=st.integers(2, 5), seed=st.integers(0, 100))
def test_tiny_classification_matrix_fits(n, n_features, n_classes, seed):
    n_classes = min(n_classes, n)
    X, y = _classification(n, n_features, n_classes, seed)
    LogisticRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoMLClassifier(estimators=["linear", "lightgbm"], **_FAST).fit(X, y)
    assert all(t.status == "ok" for t in model.history_.trials), [
        t.error for t in model.history_.trials]
    proba = model.predict_proba(X)
    assert proba.shape == (n, n_classes) and np.all(np.isfinite(proba))


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10])
def test_tiny_regression_fits_like_ridge(n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 2))
    y = X @ [1.0, -2.0] + rng.normal(size=n)
    Ridge().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoMLRegressor(estimators=["linear", "lightgbm"], **_FAST).fit(X, y)
    # LightGBM cannot train on one row (1- and 2-row data: leave-one-out)
    status = {t.family: t.status for t in model.history_.trials}
    assert status["linear"] == "ok"
    assert n < 3 or set(status.values()) == {"ok"}
    assert np.isfinite(model.best_score_)
    assert np.all(np.isfinite(model.predict(X)))
