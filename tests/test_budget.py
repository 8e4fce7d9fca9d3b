"""The one clock: Budget's rules, and the engine and refit that obey them."""

import math
from contextlib import contextmanager

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._budget import (
    ENSEMBLE_RESERVE_SHARE,
    FALLBACK_SHARE,
    MEMBER_KILL_MARGIN,
    REFIT_GRACE,
    REFIT_SAFETY,
    Budget,
    bound_training_time,
    refit_seconds,
)
from sklearn_automl._execution import ProcessExecutor
from sklearn_automl._history import TrialResult
from sklearn_automl._refit import fitted_voting


def test_unbounded_budget_reserves_nothing_and_has_no_deadlines():
    budget = Budget(None)
    assert not budget.bounded and math.isinf(budget.deadline)
    assert budget.refit_reserve([3.0, 2.0], n_workers=2, ensemble=True) == 0.0
    assert budget.selection_seconds() is None
    assert budget.trial_deadline(budget.search_deadline(0.0), None) is None
    assert budget.refit_deadline(best=True) is None


def test_reserve_is_the_fallback_share_until_a_trial_succeeds():
    budget = Budget(50, start=0.0)
    assert budget.refit_reserve([]) == pytest.approx(FALLBACK_SHARE * 50)


def test_reserve_of_a_single_model_is_its_predicted_refit():
    budget = Budget(100, start=0.0)
    assert budget.refit_reserve([7.0, 99.0], ensemble=False) == 7.0


def test_ensemble_reserve_is_the_parallel_makespan_capped_by_a_share():
    budget = Budget(100, start=0.0)
    selection = budget.selection_seconds()
    # five refits of 4 s on two workers: makespan 10 s, 6 s beyond the best's
    reserve = budget.refit_reserve([4.0] * 7, n_workers=2, ensemble=True)
    assert reserve == pytest.approx(4.0 + 6.0 + selection)
    # one worker: 20 s of refits, 16 beyond the best
    assert budget.refit_reserve([4.0] * 5, n_workers=1, ensemble=True) == (
        pytest.approx(4.0 + 16.0 + selection))
    # slow members are capped at a share of the budget beyond the best's refit
    capped = budget.refit_reserve([1.0, 500.0], n_workers=2, ensemble=True)
    assert capped == pytest.approx(1.0 + ENSEMBLE_RESERVE_SHARE * 100 + selection)


def test_trial_deadline_is_the_earlier_of_search_deadline_and_timeout():
    budget = Budget(100)
    now = budget.now()
    assert budget.trial_deadline(now + 50, 5.0) == pytest.approx(now + 5, abs=0.1)
    assert budget.trial_deadline(now + 2, 5.0) == pytest.approx(now + 2)
    assert budget.trial_deadline(now + 2, None) == pytest.approx(now + 2)


def test_only_the_best_refit_gets_the_grace_past_the_deadline():
    budget = Budget(100, start=0.0)
    assert budget.refit_deadline() == 100.0 - MEMBER_KILL_MARGIN
    assert budget.refit_deadline(best=True) > 100 + REFIT_GRACE * 100
    assert budget.refit_deadline(best=True) <= 100 * 1.05 + 1


def test_refit_prediction_scales_fit_time_to_all_rows_and_full_fidelity():
    trial = TrialResult(0, {}, "f", {}, "ok", scores=np.zeros(4), fit_time=8.0,
                        predict_time=1.0, duration=9.5, fidelity=0.5)
    # 2 s per fold at half fidelity -> 4 s, on 80 % of the rows -> 5 s, plus
    # the 0.5 s of overhead the trial paid beyond fitting and scoring
    assert refit_seconds(trial, 0.8) == pytest.approx(REFIT_SAFETY * (5.0 + 0.5))


def test_phases_add_up_and_report_a_total():
    budget = Budget(10)
    with budget.phase("a"):
        pass
    with budget.phase("a"):
        pass
    report = budget.report()
    assert set(report) == {"a", "total"} and report["total"] >= report["a"] >= 0


def test_bound_training_time_caps_max_time_and_keeps_a_tighter_one():
    from sklearn_automl.nas import MLPNetClassifier

    net = MLPNetClassifier()
    bound_training_time(net, 12.5)
    assert net.max_time == 12.5
    bound_training_time(net, 0.01)  # at least a second
    assert net.max_time == 1.0
    net.set_params(max_time=0.5)
    bound_training_time(net, 30)
    assert net.max_time == 0.5
    tree = DecisionTreeClassifier()
    bound_training_time(tree, 1.0)  # no training time limit: untouched
    assert "max_time" not in tree.get_params()


@pytest.mark.parametrize("labels", [None, np.array(["no", "yes"])])
def test_fitted_voting_classifier_is_the_one_its_own_fit_builds(labels):
    X, y = make_classification(200, 5, random_state=0)
    if labels is not None:
        y = labels[y]
    members = [("lr", make_pipeline(StandardScaler(), LogisticRegression())),
               ("tree", DecisionTreeClassifier(max_depth=3, random_state=0))]
    weights = [0.7, 0.3]
    reference = VotingClassifier(members, voting="soft", weights=weights).fit(X, y)
    encoded = LabelEncoder().fit_transform(y)  # as evaluate(encode_labels=True)
    fitted = [clone(est).fit(X, encoded) for _, est in members]
    ens = fitted_voting(members, fitted, weights, y, "classification")
    np.testing.assert_array_equal(ens.predict(X), reference.predict(X))
    np.testing.assert_allclose(ens.predict_proba(X), reference.predict_proba(X))
    np.testing.assert_array_equal(ens.classes_, reference.classes_)
    assert set(ens.named_estimators_) == {"lr", "tree"}


def test_fitted_voting_regressor_is_the_one_its_own_fit_builds():
    X, y = make_regression(150, 4, random_state=0)
    members = [("ridge", Ridge()), ("tree", DecisionTreeRegressor(random_state=0))]
    reference = VotingRegressor(members, weights=[1, 2]).fit(X, y)
    fitted = [clone(est).fit(X, y) for _, est in members]
    ens = fitted_voting(members, fitted, [1, 2], y, "regression")
    np.testing.assert_allclose(ens.predict(X), reference.predict(X))


def test_fit_reports_every_phase_inside_the_total():
    X, y = make_classification(300, 6, random_state=0)
    clf = AutoMLClassifier(max_trials=4, time_budget=None, random_state=0).fit(X, y)
    phases = clf.phase_times_
    for name in ("validate", "plan", "metafeatures", "search", "selection",
                 "refit", "close"):
        assert phases[name] >= 0
    parts = sum(v for k, v in phases.items() if k != "total")
    assert parts <= phases["total"] + 1e-6
    assert clf.search_time_ == phases["total"]


def test_ensemble_members_are_refit_in_parallel_workers():
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(300, 6, noise=0.5, random_state=0)
    reg = AutoMLRegressor(max_trials=6, time_budget=None, n_jobs=2, random_state=0,
                          estimators=["linear", "knn", "random_forest"]).fit(X, y)
    assert isinstance(reg.best_estimator_, VotingRegressor)
    members = reg.best_estimator_.estimators_
    assert len(members) == len(reg.ensemble_members_) > 1
    # the members came back fitted from the workers: the ensemble predicts
    # the weighted average of theirs, as VotingRegressor.fit would have built
    avg = np.average([m.predict(X) for m in members], axis=0,
                     weights=reg.ensemble_weights_)
    np.testing.assert_allclose(reg.predict(X), avg, rtol=1e-6)
    refit = clone(reg.best_estimator_).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), refit.predict(X), rtol=1e-6)


class _Clock(Budget):
    """A budget whose clock the test moves."""

    def __init__(self, seconds):
        super().__init__(seconds, start=0.0)
        self.t = 0.0

    def now(self):
        return self.t


class _Searcher:
    cheap_proposals = False


class _Scheduler:
    """Each proposal takes the searcher ``cost`` seconds of the clock."""

    def __init__(self, clock, cost):
        self.clock, self.cost = clock, cost
        self.searcher = _Searcher()
        self.flags = []

    def next_job(self):
        self.flags.append(self.searcher.cheap_proposals)
        self.clock.t += self.cost
        return "job"


def test_engine_asks_for_cheap_proposals_past_the_searchers_share():
    from sklearn_automl._budget import SEARCHER_SHARE
    from sklearn_automl._engine import SearchLoop

    clock = _Clock(100)
    scheduler = _Scheduler(clock, cost=1.0)
    loop = SearchLoop(None, scheduler, None, clock, n_rows=10, n_splits=2,
                      train_frac=0.5)
    loop._next_job(search_start=0.0)  # nothing spent yet: a model-based proposal
    clock.t = 10.0  # a trial ran: 1 s of searcher time in 10 s > 4 %
    loop._next_job(search_start=0.0)
    clock.t = 60.0  # 2 s in 60 s < 4 %: back to model-based proposals
    loop._next_job(search_start=0.0)
    assert scheduler.flags == [False, True, False]
    assert loop.searcher_time == pytest.approx(3.0)
    assert 2.0 / 60 < SEARCHER_SHARE < 1.0 / 10
    # without a budget the searcher is never asked to be cheap
    unbounded = _Clock(None)
    scheduler = _Scheduler(unbounded, cost=5.0)
    loop = SearchLoop(None, scheduler, None, unbounded, n_rows=10, n_splits=2,
                      train_frac=0.5)
    for t in (0.0, 6.0, 12.0):
        unbounded.t = t
        loop._next_job(search_start=0.0)
    assert scheduler.flags == [False, False, False]


class _AllTimeOut:
    """An executor whose every trial timed out (the refits never run)."""

    n_workers = 1

    def start(self, X, y, splits, scorer, **shared):
        self._queue = []

    @property
    def n_running(self):
        return len(self._queue)

    def submit(self, task):
        self._queue.append(task)

    def collect(self):
        task = self._queue.pop(0)
        return [TrialResult(task["trial_id"], task["config"], task["family"],
                            task.get("params") or {}, "timeout",
                            error="stopped by the time budget")]

    def close(self):
        self._queue = []


class _RowCounter(LogisticRegression):
    def fit(self, X, y):
        self.n_rows_seen_ = len(X)
        return super().fit(X, y)


def test_fallback_is_fitted_here_on_a_bounded_row_sample(monkeypatch):
    import sklearn_automl._refit as refit

    monkeypatch.setattr(refit, "FALLBACK_MAX_ROWS", 60)
    X, y = make_classification(300, 5, n_classes=3, n_informative=3,
                               n_redundant=0, random_state=0)
    with pytest.warns(UserWarning, match="No trial finished"):
        clf = AutoMLClassifier(
            estimators=[("counted", _RowCounter(), {})], executor=_AllTimeOut(),
            max_trials=2, time_budget=None, random_state=0,
        ).fit(X, y)
    model = clf.best_estimator_[-1]
    assert 60 <= model.n_rows_seen_ < 70  # the sample, every class in it
    assert list(model.classes_) == [0, 1, 2]
    assert clf.best_index_ is None and math.isnan(clf.best_score_)
    assert clf.predict_proba(X).shape == (300, 3)


def test_no_workers_start_when_planning_left_no_time_for_a_trial(monkeypatch, caplog):
    """A plan that ate the search's time (first torch import, slow column
    typing under load) must not be followed by starting worker processes,
    whose start-up alone can overrun the budget: the search gets a
    sequential executor (no trial can start) and the fallback is fitted."""
    import sklearn_automl._automl as automl

    class LatePlan(Budget):  # the clock as it reads after a plan that took 95 %
        @contextmanager
        def phase(self, name):
            with super().phase(name):
                yield
            if name == "plan":  # move the start back: 95 % of the budget is gone
                shift = 0.95 * self.time_budget - self.elapsed()
                self.start -= shift
                self.deadline -= shift

    specs, started = [], []
    original = automl.make_executor

    def recording(spec, *args, **kwargs):
        specs.append(spec)
        return original(spec, *args, **kwargs)

    monkeypatch.setattr(automl, "Budget", LatePlan)
    monkeypatch.setattr(automl, "make_executor", recording)
    monkeypatch.setattr(ProcessExecutor, "start",
                        lambda self, *args, **kwargs: started.append(self))
    X, y = make_classification(120, 4, random_state=0)
    with caplog.at_level("WARNING", logger="sklearn_automl"), \
            pytest.warns(UserWarning, match="No trial finished"):
        clf = AutoMLClassifier(estimators=["linear"], time_budget=30, n_jobs=2,
                               random_state=0).fit(X, y)
    # the pool made before the warm start is replaced, its workers never started
    assert specs == [None, "sequential"] and started == []
    assert "no trial can run" in caplog.text
    assert clf.n_trials_ == 0 and clf.predict(X).shape == (120,)
