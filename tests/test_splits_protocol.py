"""cv=None by cost: k-fold or a holdout from the data size and the time budget."""

import math

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GroupKFold

import sklearn_automl._splits as splits_module
from sklearn_automl import AutoMLClassifier
from sklearn_automl._history import TrialResult
from sklearn_automl._splits import (
    MIN_HOLDOUT_TRIALS,
    MIN_TRIAL_ROWS,
    SEARCH_SHARE,
    choose_protocol,
    make_splits,
    make_validation,
    refit_fraction,
    trial_seconds,
)
from sklearn_automl.ensemble import StackedEnsembleClassifier

_ORDER = {"kfold": 2, "holdout": 1, "subsample": 0}


def _rank(protocol):
    if protocol.trial_rows is not None:
        return _ORDER["subsample"]
    return _ORDER[protocol.kind]


def test_without_a_budget_the_size_rule_is_unchanged():
    assert choose_protocol(20_000, 50, n_classes=30).kind == "kfold"
    assert choose_protocol(20_001, 2).kind == "holdout"
    assert choose_protocol(20_001, 2).trial_rows is None  # no budget: no subsample
    assert choose_protocol(100, 5, images=True).kind == "holdout"


def test_small_tables_keep_kfold_whatever_the_budget():
    for n in (2, 50, 2_000):
        assert choose_protocol(n, 500, n_classes=50, time_budget=1).kind == "kfold"


def test_the_budget_decides_between_kfold_and_holdout():
    # 12,000 x 20: k-fold with an hour, a holdout with 10 seconds
    assert choose_protocol(12_000, 20, n_classes=2, time_budget=3600, cores=2).kind == "kfold"
    short = choose_protocol(12_000, 20, n_classes=2, time_budget=10, cores=2)
    assert short.kind == "holdout" and short.trial_rows is None
    # classes cost: what binary affords in k-fold, ten classes do not
    assert choose_protocol(12_000, 20, n_classes=2, time_budget=120, cores=2).kind == "kfold"
    assert choose_protocol(12_000, 20, n_classes=10, time_budget=120,
                           cores=2).kind == "holdout"
    # cores count: the same budget on more cores affords more
    one = choose_protocol(12_000, 20, time_budget=300, cores=1)
    many = choose_protocol(12_000, 20, time_budget=300, cores=16)
    assert _rank(many) >= _rank(one)


@pytest.mark.parametrize("n_classes", [None, 2, 20])
def test_more_budget_never_picks_a_cheaper_protocol(n_classes):
    for n in (3_000, 15_000, 60_000, 200_000):
        ranks = [_rank(choose_protocol(n, 20, n_classes=n_classes, time_budget=b,
                                       cores=2))
                 for b in (1, 5, 10, 30, 60, 300, 3600, 10**6)]
        assert ranks == sorted(ranks), (n, ranks)


def test_very_large_data_subsamples_the_trials_to_fit_the_budget():
    n, d, k, budget, cores = 200_000, 20, 20, 60, 2
    p = choose_protocol(n, d, n_classes=k, time_budget=budget, cores=cores)
    assert p.kind == "holdout" and p.trial_rows is not None
    assert MIN_TRIAL_ROWS <= p.trial_rows < n * 0.8
    capacity = SEARCH_SHARE * budget * cores
    assert MIN_HOLDOUT_TRIALS * trial_seconds(p.trial_rows, d, k) <= capacity * 1.001
    assert p.trial_rows <= p.refit_rows <= n
    # at 2 s the floor holds: a model of at least MIN_TRIAL_ROWS rows
    tiny = choose_protocol(n, d, n_classes=k, time_budget=2, cores=cores)
    assert tiny.trial_rows == MIN_TRIAL_ROWS


def test_subsampled_trials_keep_every_validation_row(monkeypatch):
    monkeypatch.setattr(splits_module, "TRIAL_SECONDS_PER_CELL", 1e-3)
    monkeypatch.setattr(splits_module, "MIN_TRIAL_ROWS", 500)
    rng = np.random.default_rng(0)
    y = rng.choice(3, size=6_000, p=[0.6, 0.3, 0.1])
    X = np.zeros((len(y), 4))
    v = make_validation(X, y, None, classification=True, seed=1, time_budget=60,
                        cores=2)
    full, _ = make_splits(X, y, 0.2, classification=True, seed=1)
    (train, test), = v.splits
    np.testing.assert_array_equal(test, full[0][1])  # the same holdout rows
    assert set(train) <= set(full[0][0]) and len(train) == v.trial_rows
    assert len(train) < len(full[0][0])
    shares = np.bincount(y[train], minlength=3) / len(train)
    np.testing.assert_allclose(shares, np.bincount(y, minlength=3) / len(y), atol=0.01)
    assert v.description == (f"holdout 20 % stratified, trials on {len(train):,} of "
                             f"{len(full[0][0]):,} training rows")
    assert v.n_splits == 1
    assert len(train) <= v.planned_refit_rows(len(y)) <= len(y)


def test_descriptions_say_how_trials_are_validated():
    y = np.tile([0, 1], 50)
    X = np.zeros((100, 2))

    def describe(cv, classification=True, **kw):
        return make_validation(X, y if classification else y.astype(float), cv,
                               classification=classification, seed=0, **kw).description

    assert describe(None) == "5-fold stratified"
    assert describe(None, classification=False) == "5-fold"
    assert describe(3) == "3-fold stratified"
    assert describe(0.25) == "holdout 25 % stratified"
    assert describe(0.25, classification=False) == "holdout 25 %"
    groups = np.repeat(np.arange(10), 10)
    assert describe(list(GroupKFold(2).split(X, y, groups))) == "given splits (2 splits)"
    # a class of one row kept in training: still described by its inner splitter
    y1 = np.r_[np.tile([0, 1], 10), 2]
    v = make_validation(np.zeros((21, 1)), y1, 3, classification=True, seed=0)
    assert v.splitter is None and v.description == "3-fold stratified"
    # nothing can be held out
    v = make_validation(np.zeros((2, 1)), np.array([0, 1]), None, classification=True,
                        seed=0)
    assert v.description.startswith("in-sample")


def _trial(fit_time, duration=None, folds=1, fidelity=1.0):
    t = TrialResult(0, {}, "lightgbm", {}, "ok", fidelity=fidelity)
    t.fit_time, t.predict_time = fit_time, 0.0
    t.duration = fit_time if duration is None else duration
    t.scores = np.zeros(folds)
    return t


def test_refit_fraction_follows_the_time_left():
    n = 100_000
    assert refit_fraction(None, [_trial(10.0)], n_rows=n, seconds=1.0) == 1.0
    assert refit_fraction(10_000, [_trial(1.0)], n_rows=n, seconds=None) == 1.0
    # 1 s per 10,000 rows, 1.5 safety: 30 s afford 200,000 rows, capped at all
    assert refit_fraction(10_000, [_trial(1.0)], n_rows=n, seconds=30.0) == 1.0
    f = refit_fraction(10_000, [_trial(1.0)], n_rows=n, seconds=6.0)
    assert math.isclose(f * n, 10_000 * 6.0 / 1.5)
    # two members on one worker cost their sum, on two workers the slower one
    one = refit_fraction(10_000, [_trial(1.0), _trial(1.0)], n_rows=n, seconds=6.0)
    two = refit_fraction(10_000, [_trial(1.0), _trial(1.0)], n_rows=n, seconds=6.0,
                         n_workers=2)
    assert math.isclose(two, 2 * one)
    # no time at all: the floor, a model of some rows still comes back
    f = refit_fraction(10_000, [_trial(1.0)], n_rows=n, seconds=0.0, n_classes=3)
    assert f * n == MIN_TRIAL_ROWS


@pytest.fixture
def small_thresholds(monkeypatch):
    """Holdout (and subsampled trials) on a small table, fast."""
    monkeypatch.setattr(splits_module, "KFOLD_ALWAYS_ROWS", 100)
    monkeypatch.setattr(splits_module, "AUTO_HOLDOUT_ROWS", 300)
    monkeypatch.setattr(splits_module, "MIN_TRIAL_ROWS", 200)


@pytest.mark.parametrize("ensemble", ["selection", "stacking"])
def test_ensembles_work_on_a_holdout(small_thresholds, ensemble):
    X, y = make_classification(600, 6, n_informative=4, n_classes=3, random_state=0)
    clf = AutoMLClassifier(time_budget=None, max_trials=4, ensemble=ensemble,
                           estimators=["linear", "knn"], random_state=0).fit(X, y)
    assert clf.n_splits_ == 1 and clf.validation_ == "holdout 20 % stratified"
    oof = [t.oof for t in clf.history_.trials if t.oof is not None]
    assert len(oof) >= 2
    assert all(np.isfinite(o[:, 0]).sum() == 120 for o in oof)  # the holdout rows
    assert len(clf.ensemble_members_) >= 2
    if ensemble == "stacking":
        assert isinstance(clf.best_estimator_, StackedEnsembleClassifier)
    else:
        assert np.isfinite(clf.ensemble_score_)
    assert clf.n_samples_refit_ == len(y)
    assert clf.predict_proba(X).shape == (600, 3)
    assert "validation: holdout 20 % stratified" in str(clf.summary())


@pytest.mark.parametrize("ensemble", ["selection", "stacking"])
def test_subsampled_trials_and_refit_still_give_a_model(small_thresholds, monkeypatch,
                                                        ensemble):
    # priced so that the trials must subsample and the refit cannot take all rows
    monkeypatch.setattr(splits_module, "TRIAL_SECONDS_PER_CELL", 1.0)
    monkeypatch.setattr(splits_module, "REFIT_SAFETY", 1e9)
    X, y = make_classification(600, 6, n_informative=4, n_classes=3, random_state=0)
    clf = AutoMLClassifier(time_budget=300, max_trials=4, ensemble=ensemble,
                           estimators=["linear", "knn"], random_state=0).fit(X, y)
    trained = {len(t.oof) - int(np.isfinite(t.oof[:, 0]).sum())
               for t in clf.history_.trials if t.oof is not None}
    assert clf.n_splits_ == 1
    assert clf.validation_ == (
        "holdout 20 % stratified, trials on 200 of 480 training rows, final model "
        "fitted on 200 of 600 rows")
    assert trained == {480}  # every trial validated on the same 120 rows
    assert clf.n_samples_refit_ == 200 and clf.n_samples_fit_ == 600
    assert len(clf.ensemble_members_) >= 2
    assert clf.predict(X).shape == (600,)
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_early_stopped_refits_scale_their_count_and_cost_with_the_rows():
    n = 100_000
    stopped = _trial(1.0)
    stopped.refit_params = {"model__n_estimators": 400, "model__learning_rate": 0.1}
    # the count grows with the rows too: 4x the time affords 2x the rows
    f1 = refit_fraction(10_000, [stopped], n_rows=n, seconds=1.5)
    f4 = refit_fraction(10_000, [stopped], n_rows=n, seconds=6.0)
    assert math.isclose(f1 * n, 10_000) and math.isclose(f4 * n, 20_000)
    splits_module.scale_refit_params([stopped], 25_000, n)
    assert stopped.refit_params == {"model__n_estimators": 100,
                                    "model__learning_rate": 0.1}
    splits_module.scale_refit_params([stopped], n, n)  # all rows: as found
    assert stopped.refit_params["model__n_estimators"] == 100
