"""Ensembles built by the AutoML estimators: members, weights, refit, export."""

import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.pipeline import Pipeline

from sklearn_automl import AutoMLClassifier, AutoMLRegressor, TrialResult
from sklearn_automl._execution import SequentialExecutor
from sklearn_automl.ensemble import (
    PredictionScorer,
    StackedEnsembleClassifier,
    StackedEnsembleRegressor,
)

# Families that differ, so that the members are complementary; no portfolio,
# so that the trials do not depend on the shipped file.
SEARCH = {
    "max_trials": 6, "time_budget": None, "cv": 3, "random_state": 0,
    "estimators": ["linear", "knn", "random_forest"], "initial_configs": None,
}


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(300, 8, n_informative=4, flip_y=0.1, random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)])
    X["cat"] = np.where(X["x0"] > 0, "up", "down")
    return X, np.where(y == 1, "yes", "no")


@pytest.fixture(scope="module")
def fitted_clf(clf_data):
    X, y = clf_data
    return AutoMLClassifier(**SEARCH).fit(X, y)


def test_selection_ensemble_is_a_weighted_soft_vote(fitted_clf, clf_data):
    X, _ = clf_data
    clf = fitted_clf
    ens = clf.best_estimator_
    assert isinstance(ens, VotingClassifier)
    assert ens.voting == "soft"
    assert len(clf.ensemble_members_) >= 2
    assert clf.ensemble_weights_.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ens.weights, clf.ensemble_weights_)
    assert [name for name, _ in ens.estimators] == [
        f"trial_{i}" for i in clf.ensemble_members_
    ]
    # predict_proba is the weighted average of the members' probabilities
    probas = np.array([m.predict_proba(X) for m in ens.estimators_])
    expected = np.average(probas, axis=0, weights=clf.ensemble_weights_)
    np.testing.assert_allclose(clf.predict_proba(X), expected)
    assert set(clf.predict(X)) <= {"no", "yes"}


def test_ensemble_score_beats_or_ties_every_member_out_of_fold(fitted_clf, clf_data):
    _, y = clf_data
    clf = fitted_clf
    score = PredictionScorer(clf.scorer_, y, clf.classes_)
    trials = {t.trial_id: t for t in clf.history_.trials}
    singles = [score(trials[i].oof) for i in clf.ensemble_members_]
    assert clf.ensemble_score_ >= max(singles)
    oof = sum(w * trials[i].oof.astype(float)
              for i, w in zip(clf.ensemble_members_, clf.ensemble_weights_))
    assert score(oof) == pytest.approx(clf.ensemble_score_, abs=1e-6)


def test_leaderboard_shows_the_weights(fitted_clf):
    clf = fitted_clf
    lb = clf.leaderboard_.set_index("trial_id")
    for i, w in zip(clf.ensemble_members_, clf.ensemble_weights_):
        assert lb.loc[i, "weight"] == pytest.approx(w)
    others = lb.drop(index=clf.ensemble_members_)
    assert (others["weight"] == 0).all()
    assert lb["weight"].sum() == pytest.approx(1.0)


def test_members_are_full_fidelity_trials_with_oof(clf_data):
    X, y = clf_data
    clf = AutoMLClassifier(**{**SEARCH, "max_trials": 30},
                           schedule="successive_halving").fit(X, y)
    full = {t.trial_id for t in clf.history_.trials
            if t.ok and t.fidelity == 1.0 and t.oof is not None}
    low = [t for t in clf.history_.trials if t.ok and t.fidelity < 1.0]
    assert len(full) >= 2 and low
    assert len(clf.ensemble_members_) >= 2
    assert set(clf.ensemble_members_) <= full


def test_ensemble_size_zero_is_the_best_pipeline_without_oof(clf_data):
    X, y = clf_data
    clf = AutoMLClassifier(**SEARCH, ensemble_size=0).fit(X, y)
    assert isinstance(clf.best_estimator_, Pipeline)
    assert clf.ensemble_members_ == [clf.history_.best().trial_id]
    assert clf.ensemble_weights_.tolist() == [1.0]
    assert all(t.oof is None for t in clf.history_.trials)


def test_oof_memory_bound_limits_the_candidates(clf_data):
    X, y = clf_data
    one_trial_mb = 4 * len(y) * 2 / 2**20
    clf = AutoMLClassifier(**SEARCH, max_oof_memory=2.5 * one_trial_mb).fit(X, y)
    kept = [t for t in clf.history_.trials if t.oof is not None]
    assert len(kept) == 2
    assert set(clf.ensemble_members_) <= {t.trial_id for t in kept}
    # too little memory for two trials: no ensemble
    clf = AutoMLClassifier(**SEARCH, max_oof_memory=one_trial_mb * 1.5).fit(X, y)
    assert isinstance(clf.best_estimator_, Pipeline)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_stacking_refits_members_and_matches_its_own_fit(task, clf_data):
    if task == "classification":
        X, y = clf_data
        est = AutoMLClassifier(**SEARCH, ensemble="stacking").fit(X, y)
        cls, method = StackedEnsembleClassifier, "predict_proba"
    else:
        Xr, y = make_regression(240, 6, noise=20, random_state=0)
        X = pd.DataFrame(Xr, columns=list("abcdef"))
        est = AutoMLRegressor(**SEARCH, ensemble="stacking").fit(X, y)
        cls, method = StackedEnsembleRegressor, "predict"
    stack = est.best_estimator_
    assert isinstance(stack, cls)
    # one member per family: diverse
    families = [t.family for t in est.history_.trials if t.trial_id in est.ensemble_members_]
    assert len(families) == len(set(families)) >= 2
    assert est.ensemble_weights_.sum() == pytest.approx(1.0)
    # its own fit() cross-fits on the search's folds: the same model
    refit = pickle.loads(pickle.dumps(stack))
    refit = type(refit)(**stack.get_params(deep=False)).fit(X, y)
    np.testing.assert_allclose(getattr(refit, method)(X), getattr(est, method)(X),
                               rtol=1e-4, atol=1e-5)


def test_regression_selection_and_joblib(tmp_path):
    Xr, y = make_regression(240, 6, noise=20, random_state=1)
    X = pd.DataFrame(Xr, columns=list("abcdef"))
    reg = AutoMLRegressor(**SEARCH).fit(X, y)
    if len(reg.ensemble_members_) > 1:
        assert isinstance(reg.best_estimator_, VotingRegressor)
    path = tmp_path / "reg.joblib"
    joblib.dump(reg, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), reg.predict(X))


_RUN_EXPORT = textwrap.dedent(
    """
    import pickle, runpy, sys

    class _NoAutoML:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "sklearn_automl":
                raise ImportError(name + " is blocked in this test")

    sys.meta_path.insert(0, _NoAutoML())
    ns = runpy.run_path(sys.argv[1] + "/model.py", run_name="exported")
    with open(sys.argv[1] + "/data.pkl", "rb") as f:
        X, y = pickle.load(f)
    model = ns["fit_model"](X, y)
    with open(sys.argv[1] + "/out.pkl", "wb") as f:
        pickle.dump(model.predict_proba(X), f)
    """
)


@pytest.mark.parametrize("ensemble", ["selection", "stacking"])
def test_export_code_round_trips_the_ensemble(ensemble, clf_data, tmp_path):
    X, y = clf_data
    clf = AutoMLClassifier(**SEARCH, ensemble=ensemble).fit(X, y)
    assert len(clf.ensemble_members_) > 1
    source = clf.export_code()
    assert "sklearn_automl" not in "\n".join(
        ln for ln in source.splitlines() if ln.startswith(("import", "from"))
    )
    (tmp_path / "model.py").write_text(source)
    with open(tmp_path / "data.pkl", "wb") as f:
        pickle.dump((X, y), f)
    subprocess.run([sys.executable, "-c", _RUN_EXPORT, str(tmp_path)], check=True)
    with open(tmp_path / "out.pkl", "rb") as f:
        exported = pickle.load(f)
    np.testing.assert_allclose(exported, clf.predict_proba(X), rtol=1e-4, atol=1e-5)


class _LateRefits(SequentialExecutor):
    """Runs nothing of the search: every trial comes back "ok" with out-of-fold
    predictions of y plus independent noise, more for later trials
    (complementary members of decreasing weight). Refits run for real, in this
    process, except those of the members at positions ``late`` (highest
    weight first), which come back stopped at their deadline as on a busy
    machine."""

    n_workers = 4  # the whole search is handed out before any result

    def __init__(self, late=()):
        super().__init__()
        self.late = set(late)
        self._done = []

    def start(self, X, y, splits, scorer, **shared):
        super().start(X, y, splits, scorer, **shared)
        self._y, self._n_folds = y, len(splits)

    @property
    def n_running(self):
        return len(self._done) + super().n_running

    def submit(self, task):
        if task.get("refit"):
            if task["trial_id"] not in self.late:
                return super().submit(task)
            result = TrialResult(task["trial_id"], task["config"], task["family"], {},
                                 "timeout", error="refit stopped at its deadline")
        else:
            rng = np.random.default_rng(task["trial_id"])
            noise = rng.normal(scale=1 + task["trial_id"] / 4, size=self._y.size)
            result = TrialResult(
                task["trial_id"], task["config"], task["family"], task["params"], "ok",
                scores=np.full(self._n_folds, -1.0), mean_score=-1.0, std_score=0.0,
                fit_time=0.01, oof=(self._y + noise).astype(np.float32),
                fidelity=task["fidelity"],
            )
        self._done.append(result)

    def collect(self):
        if not self._done:
            return super().collect()
        done, self._done = self._done, []
        return done


def test_members_that_cannot_be_refit_in_time_are_dropped(caplog):
    X, y = make_regression(400, 4, noise=1.0, random_state=0)

    def fit(late=()):
        return AutoMLRegressor(
            estimators=["linear"], max_trials=4, cv=2, ensemble_size=20,
            time_budget=60, executor=_LateRefits(late), random_state=0,
        ).fit(X, y)

    # every refit back in time: independent errors, all four get a weight
    full = fit()
    assert sorted(full.ensemble_members_) == [0, 1, 2, 3]
    assert isinstance(full.best_estimator_, VotingRegressor)
    order = full.ensemble_members_  # highest weight first
    weight = dict(zip(order, full.ensemble_weights_, strict=True))
    assert [weight[i] for i in order] == sorted(weight.values(), reverse=True)
    # the two lowest weights not back: dropped, the others' weights renormalised
    with caplog.at_level("INFO", logger="sklearn_automl"):
        two = fit(late={2, 3})
    assert "2 of 4 ensemble members could not be refit" in caplog.text
    assert two.ensemble_members_ == order[:2]
    assert len(two.best_estimator_.estimators_) == 2
    np.testing.assert_allclose(
        two.ensemble_weights_,
        [weight[i] / (weight[order[0]] + weight[order[1]]) for i in order[:2]],
    )
    lb_weight = two.leaderboard_.set_index("trial_id")["weight"].fillna(0)
    assert (lb_weight[order[2:]] == 0).all()
    # the heaviest member late: the ensemble goes on without it
    caplog.clear()
    with caplog.at_level("INFO", logger="sklearn_automl"):
        rest = fit(late={0})
    assert "ensemble goes on without it" in caplog.text
    assert rest.ensemble_members_ == order[1:]
    # one member left: that pipeline alone
    one = fit(late={1, 2, 3})
    assert isinstance(one.best_estimator_, Pipeline)
    assert one.ensemble_members_ == order[:1]
    np.testing.assert_allclose(one.predict(X), full.best_estimator_.estimators_[0]
                               .predict(X))


class _LateClassifierRefits(_LateRefits):
    """_LateRefits for classification: noisy one-hot out-of-fold probabilities."""

    def submit(self, task):
        if task.get("refit"):
            return super().submit(task)
        codes = np.unique(self._y, return_inverse=True)[1]
        rng = np.random.default_rng(task["trial_id"])
        proba = np.eye(2)[codes] + rng.uniform(0, 4 + task["trial_id"], (codes.size, 2))
        proba = (proba / proba.sum(axis=1, keepdims=True)).astype(np.float32)
        self._done.append(TrialResult(
            task["trial_id"], task["config"], task["family"], task["params"], "ok",
            scores=np.full(self._n_folds, 0.9), mean_score=0.9 - task["trial_id"] / 100,
            std_score=0.0, fit_time=0.01, oof=proba, fidelity=task["fidelity"],
        ))


def test_a_lone_member_left_of_the_ensemble_predicts_the_class_labels():
    """Members are refit on encoded labels (as VotingClassifier does): one that is
    left alone must still answer with the labels, not with 0/1."""
    X, y = make_classification(300, 4, random_state=0)
    labels = np.array(["Android", "iPhone"])[y]
    clf = AutoMLClassifier(
        estimators=["linear"], max_trials=4, cv=2, ensemble_size=20, time_budget=60,
        executor=_LateClassifierRefits(late={1, 2, 3}), random_state=0,
    ).fit(X, labels)
    full = AutoMLClassifier(
        estimators=["linear"], max_trials=4, cv=2, ensemble_size=20, time_budget=60,
        executor=_LateClassifierRefits(), random_state=0,
    ).fit(X, labels)
    assert len(full.ensemble_members_) > 1  # selection did build an ensemble
    assert len(clf.ensemble_members_) == 1
    assert set(clf.predict(X)) <= {"Android", "iPhone"}
    assert clf.score(X, labels) > 0.7
