"""Multi-fidelity search inside the AutoML: schedule=, row subsamples, iterations."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._evaluate import subsample_rows
from sklearn_automl._history import History, TrialResult
from sklearn_automl._plan import make_plan
from sklearn_automl.search import ASHA, RandomSearch, SuccessiveHalving

FAST = {"time_budget": None, "cv": 3, "random_state": 0}


@pytest.mark.parametrize("schedule", ["successive_halving", "hyperband", "asha"])
def test_schedules_run_low_fidelity_trials_and_pick_a_full_one(binary_data, schedule):
    X, y = binary_data
    clf = AutoMLClassifier(max_trials=13, schedule=schedule, **FAST).fit(X, y)
    lb = clf.leaderboard_
    fidelities = sorted(set(np.round(lb["fidelity"], 3)))
    assert fidelities[0] == pytest.approx(1 / 9, abs=1e-3)
    assert 1.0 in fidelities
    best = clf.history_.trials[clf.best_index_]
    assert best.fidelity == 1.0
    # Rank 1 is the best trial; every full-fidelity trial ranks before the rest.
    assert lb.loc[0, "trial_id"] == best.trial_id
    full = lb["fidelity"] == 1.0
    assert lb.loc[full, "rank"].max() < lb.loc[~full, "rank"].min()
    # Low-fidelity trials really trained on fewer rows.
    low = [t for t in clf.history_.trials if t.fidelity < 1]
    assert all(t.n_resources < 1 for t in low)
    # ... and were validated on ceil(3 folds * fidelity) folds.
    assert all(len(t.scores) == (1 if t.fidelity < 0.34 else 3) for t in low if t.ok)
    assert all(len(t.scores) == 3 for t in clf.history_.trials if t.fidelity == 1)
    assert clf.score(X, y) > 0.8


def test_successive_halving_promotes_the_top_third(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(
        max_trials=13, schedule="successive_halving", search="random", **FAST
    ).fit(X, y)
    trials = clf.history_.trials
    first = [t for t in trials if t.fidelity < 0.2]
    second = [t for t in trials if 0.2 < t.fidelity < 0.9]
    assert len(first) == 9 and len(second) == 3
    ok_first = sorted((t for t in first if t.ok), key=lambda t: -t.mean_score)
    promoted = {str(sorted(t.config.items())) for t in second}
    assert promoted == {str(sorted(t.config.items())) for t in ok_first[:3]}


def test_scheduler_object_gets_the_automl_searcher(regression_data):
    X, y = regression_data
    reg = AutoMLRegressor(
        max_trials=6, schedule=ASHA(eta=2, min_fidelity=0.25), **FAST
    ).fit(X, y)
    assert set(np.round(reg.leaderboard_["fidelity"], 3)) <= {0.25, 0.5, 1.0}
    assert reg.schedule.searcher is None  # the parameter itself is untouched
    # the AutoML's searcher, warm-started as without a schedule
    plain = AutoMLRegressor(max_trials=1, **FAST).fit(X, y)
    assert reg.history_.trials[0].config == plain.history_.trials[0].config


def test_scheduler_with_its_own_searcher_is_used(binary_data):
    X, y = binary_data
    estimators = ["linear", "random_forest"]
    plan = make_plan(X, "classification", estimators)
    proposed = []

    class Recording(RandomSearch):
        """Keeps every configuration it proposes (the AutoML clones it)."""

        def ask(self):
            config = super().ask()
            proposed.append(config)
            return config

    clf = AutoMLClassifier(
        estimators=estimators, max_trials=6,
        schedule=SuccessiveHalving(Recording(plan.space, random_state=3), eta=2,
                                   min_fidelity=0.5),
        **FAST,
    ).fit(X, y)
    trials = clf.history_.trials
    assert {t.fidelity for t in trials} == {0.5, 1.0}
    # every trial ran a configuration of the scheduler's searcher, first ones
    # in the order it proposed them; promotions run them again
    assert [t.config for t in trials if t.fidelity == 0.5] == proposed
    assert all(t.config in proposed for t in trials)
    # the searcher kept its own seed and (no) initial configurations: its
    # proposals are those of a fresh copy, not the AutoML's portfolio
    fresh = RandomSearch(plan.space, random_state=3)
    assert proposed == [fresh.ask() for _ in proposed]
    assert proposed[0] != AutoMLClassifier(
        estimators=estimators, max_trials=1, **FAST
    ).fit(X, y).history_.trials[0].config


def test_same_seed_same_leaderboard_with_halving(binary_data):
    X, y = binary_data
    params = {"max_trials": 10, "schedule": "successive_halving",
              "search": "bayesian", **FAST}
    a = AutoMLClassifier(**params).fit(X, y).leaderboard_
    b = AutoMLClassifier(**params).fit(X, y).leaderboard_
    cols = ["trial_id", "family", "fidelity", "mean_score", "status"]
    assert a[cols].equals(b[cols])


def test_invalid_schedule_names_the_options(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="schedule"):
        AutoMLClassifier(schedule="halving", max_trials=2).fit(X, y)


def test_subsample_rows_is_stratified_deterministic_and_a_subset():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(900), np.ones(90), np.full(10, 2)]
    train = np.sort(rng.choice(2000, size=1000, replace=False))
    y_all = np.full(2000, -1.0)
    y_all[train] = rng.permutation(y)
    sub = subsample_rows(train, 0.1, y=y_all, seed=1)
    assert np.all(np.diff(sub) > 0) and np.isin(sub, train).all()
    counts = np.bincount(y_all[sub].astype(int))
    assert counts.tolist() == [90, 9, 1]
    np.testing.assert_array_equal(sub, subsample_rows(train, 0.1, y=y_all, seed=1))
    assert not np.array_equal(sub, subsample_rows(train, 0.1, y=y_all, seed=2))
    # Never fewer than 20 rows, never more than given.
    assert len(subsample_rows(train[:50], 0.01)) == 20
    assert len(subsample_rows(train[:10], 0.01)) == 10


def test_fidelity_scales_rows_and_iterations():
    X, _ = make_classification(n_samples=100, n_features=5, random_state=0)
    plan = make_plan(X, "classification", ["random_forest", "linear"])
    forest = plan.space.default({"family": "random_forest"})
    linear = plan.space.default({"family": "linear"})
    assert plan.fidelity_split(forest, 1 / 9) == pytest.approx((1 / 3, 1 / 3))
    assert plan.fidelity_split(linear, 1 / 9) == pytest.approx((1 / 9, 1.0))
    assert plan.fidelity_split(forest, 1.0) == (1.0, 1.0)
    full = plan.build(forest).named_steps["model"].n_estimators
    low = plan.build(forest, iteration_fraction=1 / 3).named_steps["model"].n_estimators
    assert low == max(1, round(full / 3))


def test_folds_at_fidelity():
    from sklearn_automl._plan import Plan

    assert [Plan.n_folds_at(f, 5) for f in (1 / 9, 1 / 3, 0.5, 1.0)] == [1, 2, 3, 5]
    assert [Plan.n_folds_at(f, 1) for f in (1 / 27, 1.0)] == [1, 1]


def test_history_best_prefers_the_highest_fidelity():
    h = History()
    h.append(TrialResult(0, {}, "a", {}, "ok", mean_score=0.99, fidelity=1 / 3,
                         scores=np.array([0.99])))
    h.append(TrialResult(1, {}, "a", {}, "ok", mean_score=0.90, fidelity=1.0,
                         scores=np.array([0.90])))
    h.append(TrialResult(2, {}, "a", {}, "failed", fidelity=1.0))
    assert h.best().trial_id == 1
    assert h.ranks().tolist() == [2, 1, 3]
