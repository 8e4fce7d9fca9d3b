"""Greedy ensemble selection, the prediction scorer and the stacked ensembles."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    get_scorer,
    log_loss,
    make_scorer,
    roc_auc_score,
)
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
    _selection,
    ensemble_selection,
)
from sklearn_automl.ensemble._fast_metrics import fast_scores


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


# ------------------------------------------------- fast metrics and limits
def _through_the_scorer(scorer):
    """The same scorer as a plain callable: it takes the generic path."""
    return lambda est, X, y: scorer(est, X, y)


def _reference_selection(preds, y, scorer, ensemble_size, classes=None):
    """The selection loop as it was: every average scored by the scorer."""
    score = PredictionScorer(scorer, y, classes)
    total = np.zeros(preds[0].shape)
    weights = np.zeros(len(preds), dtype=int)
    trajectory = []
    for step in range(ensemble_size):
        scores = []
        for p in preds:
            avg = (total + p) / (step + 1)
            if classes is not None:
                avg /= avg.sum(axis=1, keepdims=True)
            scores.append(score(avg))
        chosen = int(np.argmax(scores))
        total += preds[chosen]
        weights[chosen] += 1
        trajectory.append(scores[chosen])
    return weights, np.array(trajectory)


def _proba_candidates(n, labels, seed, n_candidates=7):
    """String-labelled targets and probabilities with ties, duplicates, zeros."""
    rng = np.random.default_rng(seed)
    k = len(labels)
    y_idx = rng.integers(0, k, n)
    y_idx[:k] = np.arange(k)  # every class present
    cands = []
    for i in range(n_candidates):
        z = rng.normal(size=(n, k))
        z[np.arange(n), y_idx] += rng.uniform(0.3, 2.0)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        if i % 3 == 1:  # tree-like: few distinct values, many ties
            p = np.round(p, 1) + 0.01
            p /= p.sum(axis=1, keepdims=True)
        if i == 5:  # hard 0/1 predictions: log loss clips them
            p = np.eye(k)[np.argmax(p, axis=1)]
        cands.append(p.astype(np.float32 if i % 2 else np.float64))
    cands.append(cands[2].copy())  # a duplicate: ties go to the earlier one
    return cands, np.asarray(labels, dtype=object)[y_idx], np.asarray(labels, dtype=object)


def _regression_candidates(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(10, 3, size=n)
    cands = [y + rng.normal(rng.uniform(-1, 1), rng.uniform(0.5, 3), size=n)
             for _ in range(6)]
    cands.append(np.round(cands[0]))  # ties
    return cands, y


CLASSIFICATION_CASES = [
    ("roc_auc", ["neg", "pos"]),
    ("neg_log_loss", ["neg", "pos"]),
    ("neg_log_loss", ["a", "b", "c", "d"]),
    ("accuracy", ["neg", "pos"]),
    ("accuracy", ["x", "y", "z"]),
]
REGRESSION_METRICS = ["neg_mean_squared_error", "neg_root_mean_squared_error",
                      "neg_mean_absolute_error", "r2"]


def _no_scorer_calls(monkeypatch):
    def fail(self, predictions):
        raise AssertionError("the fast path called the scorer")
    monkeypatch.setattr(PredictionScorer, "__call__", fail)


@pytest.mark.parametrize("name, labels", CLASSIFICATION_CASES)
@pytest.mark.parametrize("seed", range(4))
def test_fast_classification_metrics_equal_the_scorer(monkeypatch, name, labels, seed):
    cands, y, classes = _proba_candidates(300, labels, seed)
    scorer = get_scorer(name)
    _, t_ref = _reference_selection(cands, y, scorer, 12, classes)
    w_gen, t_gen = ensemble_selection(cands, y, _through_the_scorer(scorer),
                                      ensemble_size=12, classes=classes)
    _no_scorer_calls(monkeypatch)
    w_fast, t_fast = ensemble_selection(cands, y, scorer, ensemble_size=12,
                                        classes=classes)
    np.testing.assert_array_equal(w_fast, w_gen)
    np.testing.assert_allclose(t_fast, t_gen, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t_fast, t_ref, rtol=1e-9, atol=1e-12)
    assert w_fast.sum() >= 1
    assert w_fast[-1] == 0  # the duplicate of candidate 2 is never preferred


@pytest.mark.parametrize("name", REGRESSION_METRICS)
@pytest.mark.parametrize("seed", range(4))
def test_fast_regression_metrics_equal_the_scorer(monkeypatch, name, seed):
    cands, y = _regression_candidates(400, seed)
    scorer = get_scorer(name)
    _, t_ref = _reference_selection(cands, y, scorer, 12)
    w_gen, t_gen = ensemble_selection(cands, y, _through_the_scorer(scorer),
                                      ensemble_size=12)
    _no_scorer_calls(monkeypatch)
    w_fast, t_fast = ensemble_selection(cands, y, scorer, ensemble_size=12)
    np.testing.assert_array_equal(w_fast, w_gen)
    np.testing.assert_allclose(t_fast, t_gen, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t_fast, t_ref, rtol=1e-9, atol=1e-12)
    assert (w_fast > 0).sum() >= 2  # independent errors: an average wins


def test_fast_auc_is_sklearns_auc_with_ties():
    rng = np.random.default_rng(3)
    y = np.array(["no", "yes"], dtype=object)[rng.integers(0, 2, 500)]
    cands = [np.round(rng.random(500), d) for d in (1, 2, 6)]
    cands.append(np.full(500, 0.5))  # all tied: AUC 0.5
    probas = [np.column_stack([1 - p, p]) for p in cands]
    metric = fast_scores(get_scorer("roc_auc"), probas, y, np.array(["no", "yes"]))
    expected = [roc_auc_score(y == "yes", p[:, 1] / p.sum(axis=1)) for p in probas]
    np.testing.assert_allclose(metric.scores(1), expected, rtol=1e-12)
    assert metric.scores(1)[-1] == 0.5


def test_fast_log_loss_is_sklearns_log_loss_clipped():
    cands, y, classes = _proba_candidates(200, ["a", "b", "c"], seed=4)
    hard = np.eye(3)[(classes == y[:, None]).argmax(axis=1)]
    hard[0] = np.roll(hard[0], 1)  # one row confidently wrong: clipped at eps
    cands = [hard, *cands[:3]]
    metric = fast_scores(get_scorer("neg_log_loss"), cands, y, classes)
    as_averaged = [c / c.sum(axis=1, keepdims=True, dtype=np.float64) for c in cands]
    expected = [-log_loss(y, c) for c in as_averaged]
    np.testing.assert_allclose(metric.scores(1), expected, rtol=1e-9)
    assert np.argmax(metric.scores(1)) == 0
    metric.add(0)
    avg = [(hard + c) / 2 for c in cands]
    expected = [-log_loss(y, a / a.sum(axis=1, keepdims=True)) for a in avg]
    np.testing.assert_allclose(metric.scores(2), expected, rtol=1e-9)


@pytest.mark.parametrize(
    "scorer, classes",
    [
        (make_scorer(f1_score, average="macro"), ["a", "b"]),
        (get_scorer("f1_macro"), ["a", "b"]),
        (get_scorer("roc_auc_ovr"), ["a", "b"]),  # keyword arguments
        (make_scorer(roc_auc_score), ["a", "b"]),  # scores labels, not probabilities
        (make_scorer(accuracy_score, normalize=False), ["a", "b"]),
        (get_scorer("roc_auc"), ["a", "b", "c"]),  # multiclass AUC
        (get_scorer("neg_log_loss"), ["b", "a"]),  # columns not in sorted order
        (get_scorer("neg_log_loss"), ["a", "b", "z"]),  # a class absent from y
    ],
)
def test_scorers_without_a_fast_path_take_the_scorer(scorer, classes):
    rng = np.random.default_rng(0)
    y = np.array(["a", "b", "c"], dtype=object)[rng.integers(0, len(classes), 50)]
    p = rng.dirichlet(np.ones(len(classes)), size=50)
    assert fast_scores(scorer, [p], y, np.array(classes, dtype=object)) is None


def test_a_custom_scorer_falls_back_and_is_unchanged(clf_data):
    X, y = clf_data
    classes = np.unique(y)
    cands = [cross_val_predict(est, X, y, cv=3, method="predict_proba")
             for est in (LogisticRegression(C=0.01, max_iter=500),
                         LogisticRegression(max_iter=500),
                         DecisionTreeClassifier(max_depth=3, random_state=0),
                         DecisionTreeClassifier(max_depth=6, random_state=0))]
    scorer = make_scorer(f1_score, average="macro")
    _, t_ref = _reference_selection(cands, y, scorer, 8, classes)
    weights, traj = ensemble_selection(cands, y, scorer, ensemble_size=8,
                                       classes=classes)
    np.testing.assert_array_equal(traj, t_ref)
    best = int(np.argmax(t_ref))
    assert weights.sum() == best + 1
    np.testing.assert_allclose(weights / weights.sum(),
                               _reference_selection(cands, y, scorer, best + 1,
                                                    classes)[0] / (best + 1))


def test_fast_path_ignores_rows_without_predictions(monkeypatch):
    cands, y, classes = _proba_candidates(400, ["a", "b", "c"], seed=7)
    with_nan = [c.copy() for c in cands]
    for i, c in enumerate(with_nan):
        c[i * 10:(i + 1) * 10] = np.nan  # each candidate misses other rows
    kept = np.isfinite(np.stack([c[:, 0] for c in with_nan])).all(axis=0)
    scorer = get_scorer("neg_log_loss")
    w_gen, t_gen = ensemble_selection([c[kept] for c in cands], y[kept],
                                      _through_the_scorer(scorer), ensemble_size=6,
                                      classes=classes)
    _no_scorer_calls(monkeypatch)
    w_nan, t_nan = ensemble_selection(with_nan, y, scorer, ensemble_size=6,
                                      classes=classes)
    np.testing.assert_array_equal(w_nan, w_gen)
    np.testing.assert_allclose(t_nan, t_gen, rtol=1e-9)


def test_max_rows_sample_keeps_every_class_and_is_reproducible():
    y = np.array(["common"] * 1900 + ["mid"] * 97 + ["rare"] * 3, dtype=object)
    rows = _selection._subsample(y, 100, True, 0)
    assert len(rows) == 100 and len(np.unique(rows)) == 100
    assert np.all(np.diff(rows) > 0)
    labels, counts = np.unique(y[rows], return_counts=True)
    assert labels.tolist() == ["common", "mid", "rare"]
    assert counts.tolist() == [95, 4, 1]  # proportional, rounded, >= 1
    np.testing.assert_array_equal(rows, _selection._subsample(y, 100, True, 0))
    assert not np.array_equal(rows, _selection._subsample(y, 100, True, 1))
    # More classes than rows: one of each, a little over max_rows.
    many = np.repeat(np.arange(5), 40)
    assert np.unique(many[_selection._subsample(many, 3, True, 0)]).tolist() == [
        0, 1, 2, 3, 4]
    assert len(_selection._subsample(np.arange(50.0), 7, False, 0)) == 7


def test_max_rows_selects_on_that_sample():
    cands, y, classes = _proba_candidates(3000, ["a", "b", "c"], seed=2)
    y[:2] = "c"  # a rare class: log loss needs it in the sample
    scorer = get_scorer("neg_log_loss")
    w, t = ensemble_selection(cands, y, scorer, ensemble_size=6, classes=classes,
                              max_rows=200, random_state=5)
    rows = _selection._subsample(y, 200, True, 5)
    w_sub, t_sub = ensemble_selection([c[rows] for c in cands], y[rows], scorer,
                                      ensemble_size=6, classes=classes)
    np.testing.assert_array_equal(w, w_sub)
    np.testing.assert_array_equal(t, t_sub)
    _, t_all = ensemble_selection(cands, y, scorer, ensemble_size=6,
                                      classes=classes)
    assert not np.array_equal(t, t_all)  # the sample was used ...
    _, t_big = ensemble_selection(cands, y, scorer, ensemble_size=6,
                                      classes=classes, max_rows=3000)
    np.testing.assert_array_equal(t_big, t_all)  # ... and only when needed
    for seed in range(5):  # every class in every sample: no error
        ensemble_selection(cands, y, scorer, ensemble_size=2, classes=classes,
                           max_rows=20, random_state=seed)


def test_max_time_zero_runs_one_step():
    cands, y = _regression_candidates(300, seed=1)
    scorer = get_scorer("neg_root_mean_squared_error")
    weights, traj = ensemble_selection(cands, y, scorer, ensemble_size=10, max_time=0)
    singles = [scorer_value(scorer, c, y) for c in cands]
    assert len(traj) == 1  # < ensemble_size: it stopped early
    assert weights.tolist() == [int(i == np.argmax(singles)) for i in range(len(cands))]
    assert traj[0] == pytest.approx(max(singles), rel=1e-12)
    _, full = ensemble_selection(cands, y, scorer, ensemble_size=10, max_time=1e9)
    assert len(full) == 10
    assert full[0] == traj[0]


def test_selection_validates_the_new_parameters():
    scorer = get_scorer("r2")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_rows"):
            ensemble_selection([np.zeros(3)], np.arange(3.0), scorer, max_rows=bad)
    for bad in (-1, float("nan"), "1"):
        with pytest.raises(ValueError, match="max_time"):
            ensemble_selection([np.zeros(3)], np.arange(3.0), scorer, max_time=bad)


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
