"""fold_safe_scorer: a metric undefined on some fold is replaced for the whole search."""

import logging

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer, log_loss

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._scoring import (
    FallbackScorer,
    KnownLabelsLogLoss,
    fold_safe_scorer,
)


def _folds(n, k):
    rows = np.arange(n)
    return [(np.setdiff1d(rows, rows[i::k]), rows[i::k]) for i in range(k)]


def test_a_scorer_defined_on_every_fold_is_kept():
    y = np.tile([0, 1], 10)
    scorer = get_scorer("roc_auc")
    assert fold_safe_scorer(scorer, y, _folds(20, 5), classes=np.array([0, 1]),
                            scoring_name="roc_auc", given=False) is scorer


def test_roc_auc_on_a_one_class_fold_falls_back_to_log_loss_with_a_warning():
    y = np.array([0, 0, 1, 1, 0, 0, 1, 0])
    splits = [(np.arange(2, 8), np.arange(2)), (np.arange(4), np.arange(4, 8))]
    with pytest.warns(UserWarning, match=r"roc_auc.*undefined on 1 of 2.*log_loss"):
        scorer = fold_safe_scorer(get_scorer("roc_auc"), y, splits,
                                  classes=np.array([0, 1]), scoring_name="roc_auc",
                                  given=True)
    assert isinstance(scorer, FallbackScorer)
    assert isinstance(scorer.scorer, KnownLabelsLogLoss)
    assert "in place of roc_auc" in repr(scorer)


def test_default_r2_on_one_row_folds_falls_back_to_mse_in_the_log(caplog):
    y = np.array([1.0, 2.0, 4.0])
    with caplog.at_level(logging.INFO, logger="sklearn_automl"):
        scorer = fold_safe_scorer(get_scorer("r2"), y, _folds(3, 3), classes=None,
                                  scoring_name="r2", given=False)
    assert scorer.name == "neg_mean_squared_error"
    assert "undefined on 3 of 3" in caplog.text


def test_known_labels_log_loss_aligns_a_model_that_missed_a_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y_train = np.repeat(["a", "c"], 15)
    model = LogisticRegression().fit(X, y_train)
    y_val = np.array(["a", "b", "c"])
    score = KnownLabelsLogLoss(np.array(["a", "b", "c"]))(model, X[:3], y_val)
    proba = model.predict_proba(X[:3])
    aligned = np.c_[proba[:, 0], np.zeros(3), proba[:, 1]]
    assert score == pytest.approx(-log_loss(y_val, aligned, labels=["a", "b", "c"]))
    assert np.isfinite(score)


def test_search_on_a_single_row_class_scores_every_trial():
    # binary, the minority class has one row: it always trains, so ROC AUC is
    # undefined on every fold; the search falls back and still fits
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = np.r_[np.zeros(11, dtype=int), 1]
    model = AutoMLClassifier(time_budget=None, max_trials=2, estimators=["linear"],
                             random_state=0).fit(X, y)
    assert isinstance(model.scorer_, KnownLabelsLogLoss | FallbackScorer)
    assert all(t.status == "ok" for t in model.history_.trials)
    assert model.predict_proba(X).shape == (12, 2)


def test_user_scoring_that_is_undefined_is_replaced_with_a_warning():
    X = np.arange(3, dtype=float).reshape(-1, 1)
    with pytest.warns(UserWarning, match="scoring='r2' is undefined"):
        model = AutoMLRegressor(time_budget=None, max_trials=1, estimators=["linear"],
                                scoring="r2", random_state=0).fit(X, [1.0, 2.0, 3.5])
    assert np.isfinite(model.best_score_)
