"""evaluate(): one trial, whatever the estimator does."""

import time

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold

from sklearn_automl._evaluate import evaluate


class SlowRegressor(RegressorMixin, BaseEstimator):
    """A fit that is a long Python loop (like boosting rounds)."""

    def __init__(self, seconds=30.0):
        self.seconds = seconds

    def fit(self, X, y):
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            sum(range(1000))
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    return X, X @ [1.0, 2.0, 0.0] + rng.normal(scale=0.1, size=60)


def test_evaluate_returns_scores_and_oof():
    X, y = _data()
    splits = list(KFold(3, shuffle=True, random_state=0).split(X))
    res = evaluate(Ridge(), X, y, splits, get_scorer("r2"))
    assert res.status == "ok" and res.scores.shape == (3,)
    assert res.mean_score > 0.9
    assert res.oof.shape == (60,) and not np.isnan(res.oof).any()
    for train, test in splits:
        fold = Ridge().fit(X[train], y[train])
        np.testing.assert_allclose(res.oof[test], fold.predict(X[test]), rtol=1e-5)


def test_deadline_interrupts_a_running_fit():
    X, y = _data()
    splits = list(KFold(3).split(X))
    t0 = time.monotonic()
    res = evaluate(SlowRegressor(30.0), X, y, splits, get_scorer("r2"),
                   deadline=t0 + 0.5)
    assert res.status == "timeout"
    assert "stopped by the time budget" in res.error
    assert time.monotonic() - t0 < 5  # not the 90 s the three folds would take
    assert np.isnan(res.mean_score) and res.oof is None


def test_failure_is_recorded_not_raised():
    X, y = _data()
    res = evaluate(Ridge(alpha="bad"), X, y, list(KFold(2).split(X)),
                   get_scorer("r2"))
    assert res.status == "failed"
    assert res.error.startswith(("InvalidParameterError", "TypeError", "ValueError"))
