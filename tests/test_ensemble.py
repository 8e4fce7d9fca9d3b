"""Greedy ensemble selection, the prediction scorer and the stacked ensembles."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    cross_val_predict,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_automl.ensemble import (
    PredictionScorer,
    StackedEnsembleClassifier,
    StackedEnsembleRegressor,
    ensemble_selection,
)


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(400, 8, n_informative=5, n_classes=3, random_state=0)
    return X, np.array(["a", "b", "c"])[y]


# ---------------------------------------------------------------- scorer
@pytest.mark.parametrize(
    "scoring", ["roc_auc_ovr", "neg_log_loss", "accuracy", "f1_macro", "balanced_accuracy"]
)
def test_prediction_scorer_matches_the_scorer_on_the_estimator(clf_data, scoring):
    X, y = clf_data
    est = LogisticRegression(max_iter=500).fit(X, y)
    scorer = get_scorer(scoring)
    expected = scorer(est, X, y)
    got = PredictionScorer(scorer, y, est.classes_)(est.predict_proba(X))
    assert got == pytest.approx(expected)


def test_prediction_scorer_binary_and_regression():
    X, y = make_classification(200, 5, random_state=1)
    est = LogisticRegression().fit(X, y)
    scorer = get_scorer("roc_auc")
    assert PredictionScorer(scorer, y, est.classes_)(est.predict_proba(X)) == (
        pytest.approx(scorer(est, X, y))
    )
    Xr, yr = make_regression(200, 5, noise=5, random_state=0)
    reg = Ridge().fit(Xr, yr)
    for name in ("r2", "neg_root_mean_squared_error"):
        scorer = get_scorer(name)
        assert PredictionScorer(scorer, yr)(reg.predict(Xr)) == pytest.approx(
            scorer(reg, Xr, yr)
        )


# ------------------------------------------------------------- selection
def test_selection_combines_complementary_candidates_and_skips_bad_ones():
    rng = np.random.default_rng(0)
    y = rng.normal(size=2000)
    a = y + rng.normal(scale=1.0, size=y.size)  # independent errors: the
    b = y + rng.normal(scale=1.0, size=y.size)  # average halves the variance
    bad = y + 3.0  # biased: adding it only hurts
    scorer = get_scorer("neg_mean_squared_error")
    weights, traj = ensemble_selection([a, bad, b], y, scorer, ensemble_size=10)
    assert weights[1] == 0
    assert weights[0] > 0 and weights[2] > 0
    assert weights.sum() <= 10
    combo = (weights[0] * a + weights[2] * b) / weights.sum()
    single = max(scorer_value(scorer, a, y), scorer_value(scorer, b, y))
    assert scorer_value(scorer, combo, y) > single
    assert traj.max() == pytest.approx(scorer_value(scorer, combo, y))


def scorer_value(scorer, pred, y):
    return PredictionScorer(scorer, y)(pred)


def test_selection_size_one_is_the_best_single_candidate(clf_data):
    X, y = clf_data
    classes = np.unique(y)
    cands = [
        cross_val_predict(est, X, y, cv=3, method="predict_proba")
        for est in (DecisionTreeClassifier(max_depth=2, random_state=0),
                    LogisticRegression(max_iter=500),
                    DecisionTreeClassifier(max_depth=4, random_state=0))
    ]
    scorer = get_scorer("neg_log_loss")
    scores = [PredictionScorer(scorer, y, classes)(c) for c in cands]
    weights, _ = ensemble_selection(cands, y, scorer, ensemble_size=1, classes=classes)
    assert weights.tolist() == [int(i == np.argmax(scores)) for i in range(3)]


def test_selection_ignores_rows_without_predictions():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = [np.clip(y + rng.normal(scale=s, size=300), 0.01, 0.99) for s in (0.6, 0.7)]
    probas = [np.column_stack([1 - q, q]).astype(np.float32) for q in p]
    holdout = np.zeros(300, dtype=bool)
    holdout[:100] = True
    with_nan = [q.copy() for q in probas]
    for q in with_nan:
        q[~holdout] = np.nan
    scorer = get_scorer("roc_auc")
    w_nan, t_nan = ensemble_selection(with_nan, y, scorer, ensemble_size=5,
                                      classes=np.array([0, 1]))
    w_sub, t_sub = ensemble_selection([q[holdout] for q in probas], y[holdout], scorer,
                                      ensemble_size=5, classes=np.array([0, 1]))
    np.testing.assert_array_equal(w_nan, w_sub)
    np.testing.assert_allclose(t_nan, t_sub)
    assert np.isfinite(t_nan).all()


def test_selection_with_a_label_scorer(clf_data):
    X, y = clf_data
    classes = np.unique(y)
    cands = [cross_val_predict(LogisticRegression(C=c, max_iter=500), X, y, cv=3,
                               method="predict_proba") for c in (0.01, 1.0)]
    weights, traj = ensemble_selection(cands, y, get_scorer("accuracy"),
                                       ensemble_size=4, classes=classes)
    assert 1 <= weights.sum() <= 4
    assert 0.5 < traj.max() <= 1.0


def test_selection_validates_its_input():
    scorer = get_scorer("r2")
    with pytest.raises(ValueError, match="ensemble_size"):
        ensemble_selection([np.zeros(3)], np.zeros(3), scorer, ensemble_size=0)
    with pytest.raises(ValueError, match="same rows"):
        ensemble_selection([np.zeros(3), np.zeros(4)], np.zeros(3), scorer)
    with pytest.raises(ValueError, match="at least one candidate"):
        ensemble_selection([], np.zeros(3), scorer)
    with pytest.raises(ValueError, match="No row"):
        ensemble_selection([np.full(3, np.nan)], np.zeros(3), scorer)


# -------------------------------------------------------------- stacking
def _members_clf():
    return [("lr", LogisticRegression(max_iter=500)),
            ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))]


def test_stacking_fit_from_oof_equals_fit_with_the_same_folds(clf_data):
    X, y = clf_data
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    stack = StackedEnsembleClassifier(_members_clf(), cv=cv).fit(X, y)
    oof = [cross_val_predict(est, X, y, cv=cv, method="predict_proba")
           for _, est in _members_clf()]
    again = StackedEnsembleClassifier(_members_clf(), cv=cv).fit_from_oof(X, y, oof)
    np.testing.assert_allclose(again.predict_proba(X), stack.predict_proba(X))
    assert list(stack.classes_) == ["a", "b", "c"]
    assert set(stack.predict(X)) <= set(stack.classes_)
    assert list(stack.named_estimators_) == ["lr", "tree"]
    # The meta-learner does at least as well as its weaker member out of fold.
    assert stack.score(X, y) > 0.6


def test_stacking_with_a_holdout_trains_on_the_predicted_rows():
    X, y = make_regression(300, 6, noise=10, random_state=0)
    members = [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=4))]
    holdout = ShuffleSplit(1, test_size=0.3, random_state=0)
    stack = StackedEnsembleRegressor(members, cv=holdout).fit(X, y)
    assert stack.final_estimator_.n_features_in_ == 2
    # Ridge is the right model for linear data: the meta-learner leans on it.
    coef = stack.final_estimator_.coef_
    assert coef[0] > coef[1]
    assert stack.score(X, y) > 0.9


def test_stacking_passthrough_and_dataframes():
    X, y = make_regression(200, 4, noise=1, random_state=0)
    df = pd.DataFrame(X, columns=list("abcd"))
    members = [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=3))]
    stack = StackedEnsembleRegressor(members, cv=KFold(3), passthrough=True).fit(df, y)
    assert stack.final_estimator_.n_features_in_ == 2 + 4
    assert list(stack.feature_names_in_) == list("abcd")
    assert stack.predict(df).shape == (200,)
    with pytest.raises(ValueError, match="feature names"):
        stack.predict(df.rename(columns={"a": "z"}))


def test_stacking_validates_its_input(clf_data):
    X, y = clf_data
    with pytest.raises(ValueError, match="one per member"):
        StackedEnsembleClassifier(_members_clf()).fit_from_oof(X, y, [np.zeros((400, 3))])
    with pytest.raises(ValueError, match="unique"):
        StackedEnsembleClassifier([("a", LogisticRegression())] * 2).fit(X, y)
    nan = [np.full((400, 3), np.nan)] * 2
    with pytest.raises(ValueError, match="No row"):
        StackedEnsembleClassifier(_members_clf()).fit_from_oof(X, y, nan)


@parametrize_with_checks(
    [
        StackedEnsembleClassifier(_members_clf(), cv=3),
        StackedEnsembleRegressor(
            [("ridge", Ridge()), ("tree", DecisionTreeRegressor(random_state=0))], cv=3
        ),
    ],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
