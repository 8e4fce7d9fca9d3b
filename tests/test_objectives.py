"""Objectives, constraints and the final model's choice (_objectives.py), at the
unit level and through AutoMLClassifier / AutoMLRegressor."""

import math
import re
from typing import ClassVar

import joblib
import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc

from sklearn_automl import AutoMLClassifier, AutoMLRegressor, TrialResult
from sklearn_automl._history import History
from sklearn_automl._objectives import Objectives
from sklearn_automl.search import EvolutionarySearch, RandomSearch
from sklearn_automl.space import Float, SearchSpace

# (score, latency s/row, size bytes) of synthetic trials 0..4
TRIALS = [(0.90, 1e-3, 5e6), (0.88, 1e-5, 1e4), (0.85, 1e-6, 5e3),
          (0.80, 2e-6, 1e3), (0.70, 1e-3, 9e6)]


def _trial(i, score, latency, size, fidelity=1.0):
    return TrialResult(
        i, {"family": "f"}, "f", {"model__p": i}, "ok", scores=np.array([score]),
        mean_score=score, fidelity=fidelity, fit_time=0.1 * (i + 1),
        profile={"predict_latency_s_per_row": latency, "model_size_bytes": size,
                 "peak_memory_mb": size / 2**20 + 1,
                 "predict_latency_s_per_row_batch1": 10 * latency},
    )


def _history(rows=TRIALS):
    history = History()
    for i, row in enumerate(rows):
        history.append(_trial(i, *row))
    return history


# ------------------------------------------------------------------ units
def test_front_holds_exactly_the_non_dominated_trials():
    obj = Objectives(("score", "predict_latency"))
    front = obj.front(_history().trials)
    # 0 (best score), 1, 2 (fastest); 3 is slower than 2 and worse; 4 dominated
    assert front["trial_id"].tolist() == [0, 1, 2]
    assert list(front.columns[:4]) == [
        "trial_id", "family", "mean_score", "predict_latency_s_per_row"]
    assert {"model_size_bytes", "peak_memory_mb", "mean_fit_time"} <= set(front)
    three = Objectives(("score", "predict_latency", "model_size")).front(
        _history().trials)
    assert three["trial_id"].tolist() == [0, 1, 2, 3]  # 3 is the smallest


def test_front_uses_the_highest_fidelity_and_only_feasible_trials():
    history = _history()
    history.append(_trial(5, 0.99, 1e-7, 1.0, fidelity=0.5))
    assert 5 not in Objectives(("score", "predict_latency")).front(
        history.trials)["trial_id"].tolist()
    capped = Objectives(("score", "predict_latency"),
                        limits={"max_model_size": 2e4})
    assert capped.front(history.trials)["trial_id"].tolist() == [1, 2]


def test_choices_best_knee_weights_callable():
    history = _history()
    best = Objectives(("score", "predict_latency"))
    assert best.choose(history).trial_id == 0
    # normalized over the front: 0 -> (1, 0), 1 -> (0.9, 0.33), 2 -> (0, 1)
    knee = Objectives(("score", "predict_latency"), select="knee")
    assert knee.choose(history).trial_id == 1
    fast = Objectives(("score", "predict_latency"),
                      select={"score": 1.0, "predict_latency": 5.0})
    assert fast.choose(history).trial_id == 2
    seen = []

    def cheapest(front):
        seen.append(front)
        return front.sort_values("predict_latency_s_per_row")["trial_id"].iloc[0]

    assert Objectives(("score", "predict_latency"), select=cheapest).choose(
        history).trial_id == 2
    assert seen[0]["trial_id"].tolist() == [0, 1, 2]
    wrong = Objectives(("score", "predict_latency"), select=lambda front: 4)
    with pytest.raises(ValueError, match="trial_id of a row of the Pareto front"):
        wrong.choose(history)


def test_constraints_told_and_closest_trial_quoted():
    obj = Objectives(("score", "predict_latency"),
                     limits={"max_predict_latency": 1e-4, "max_model_size": None})
    history = _history()
    assert obj.choose(history).trial_id == 1  # 0 is too slow
    score, values = obj.told(history.trials[1])
    assert score == 0.88 and values == pytest.approx((0.88, 5.0))  # -log10(1e-5)
    assert obj.told(history.trials[0]) == (None, None)  # infeasible: a failure
    assert Objectives().told(history.trials[0]) == (0.90, None)
    tight = Objectives(limits={"max_predict_latency": 1e-7})
    with pytest.raises(ValueError, match=re.escape(
            "closest is trial 2 (f, mean_score=0.85): predict_latency_s_per_row="
            "1e-06 > max_predict_latency=1e-07")):
        tight.choose(history)
    unmeasured = TrialResult(9, {}, "g", {}, "ok", scores=np.array([0.9]),
                             mean_score=0.9)
    assert not tight.feasible(unmeasured)
    # unmeasured in a multi-objective search: the scheduler keeps the score, a
    # multi-objective searcher takes the NaN as a failure (and does not mix a
    # scalar into its population)
    score, values = obj.__class__(("score", "predict_latency")).told(unmeasured)
    assert score == 0.9 and np.isnan(values[1])
    evo = EvolutionarySearch(SearchSpace({"x": Float(0, 1)}), random_state=0)
    evo.tell(evo.ask(), (0.5, 1.0))
    evo.tell(evo.ask(), values)
    assert len(evo.population_) == 1


def test_trim_drops_the_costliest_member_per_weight():
    t = _history().trials
    obj = Objectives(limits={"max_model_size": 5.5e6})
    members = [(t[0], 0.5), (t[4], 0.2), (t[1], 0.3)]  # 5e6 + 9e6 + 1e4 bytes
    trimmed = obj.trim(members)
    assert [m.trial_id for m, _ in trimmed] == [0, 1]
    assert sum(w for _, w in trimmed) == pytest.approx(1.0)
    assert Objectives().trim(members) == members


@pytest.mark.parametrize("kwargs, match", [
    ({"objectives": ("score", "speed")}, "objectives=.*speed"),
    ({"objectives": ()}, "objectives="),
    ({"objectives": ("score", "score")}, "objectives="),
    ({"select": "fastest"}, "select"),
    ({"select": {"model_size": 1.0}}, "select=.*model_size"),
    ({"select": {"score": -1.0}}, "select="),
    ({"max_predict_latency": 0}, "max_predict_latency"),
    ({"max_model_size": -5}, "max_model_size"),
    ({"latency_batch_size": 0}, "latency_batch_size"),
])
def test_bad_parameters_name_themselves(binary_data, kwargs, match):
    X, y = binary_data
    with pytest.raises(ValueError, match=match):
        AutoMLClassifier(max_trials=1, time_budget=None, **kwargs).fit(X, y)


@pytest.mark.parametrize("cls", [AutoMLClassifier, AutoMLRegressor])
def test_every_parameter_is_documented(cls):
    documented = {p.name.split(":")[0].strip() for p in ClassDoc(cls)["Parameters"]}
    names = set(cls().get_params(deep=False))
    assert names <= documented, sorted(names - documented)
    attributes = {a.name.split(":")[0].strip() for a in ClassDoc(cls)["Attributes"]}
    assert {"pareto_front_", "best_estimator_profile_"} <= attributes


# --------------------------------------------------------------- AutoML
FAST = {"time_budget": None, "cv": 3, "random_state": 0, "initial_configs": None}


def test_pareto_front_of_a_search_is_its_non_dominated_trials(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(max_trials=6, objectives=("score", "predict_latency"),
                           estimators=["linear", "knn", "lightgbm"], **FAST)
    clf.fit(X, y)
    lb = clf.leaderboard_
    assert (lb["predict_latency_s_per_row"] > 0).all()
    assert np.array_equal(clf.cv_results_["model_size_bytes"],
                          [t.profile["model_size_bytes"] for t in clf.history_.trials])
    front = set(clf.pareto_front_["trial_id"])
    for _, row in lb.iterrows():
        beaten = ((lb["mean_score"] >= row["mean_score"])
                  & (lb["predict_latency_s_per_row"] <= row["predict_latency_s_per_row"])
                  & ((lb["mean_score"] > row["mean_score"])
                     | (lb["predict_latency_s_per_row"]
                        < row["predict_latency_s_per_row"]))).any()
        assert (row["trial_id"] in front) == (not beaten)
    assert clf.best_estimator_profile_["predict_latency_s_per_row"] > 0
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from sklearn_automl.inspection import ParetoFrontDisplay

    display = ParetoFrontDisplay.from_estimator(clf, x="predict_latency_s_per_row")
    assert display.ax_.get_xlabel().startswith("predict latency (s per row")
    shown = set(display.trials["trial_id"][display.pareto_mask_])
    assert shown == front


def test_model_size_limit_chooses_among_the_feasible(binary_data):
    X, y = binary_data
    params = dict(max_trials=5, estimators=["linear", "lightgbm"], **FAST)
    free = AutoMLClassifier(**params).fit(X, y)
    sizes = free.leaderboard_.set_index("trial_id")["model_size_bytes"]
    limit = float(sizes.median())
    feasible = set(sizes[sizes <= limit].index)
    assert 0 < len(feasible) < len(sizes)
    capped = AutoMLClassifier(max_model_size=limit, **params).fit(X, y)
    lb = capped.leaderboard_.set_index("trial_id")
    # the same trials (random search), the best feasible one chosen
    assert lb["model_size_bytes"].to_dict() == sizes.to_dict()
    best = max(feasible, key=lambda i: (lb.loc[i, "mean_score"], -i))
    assert capped.history_.trials[capped.best_index_].trial_id == best
    assert set(capped.ensemble_members_) <= feasible
    assert lb.loc[sorted(set(sizes.index) - feasible), "weight"].eq(0).all()
    assert capped.best_estimator_profile_["model_size_bytes"] <= limit
    # a limit no pipeline meets: the closest one is quoted
    with pytest.raises(ValueError, match=r"No trial meets the constraints "
                       r"\(max_model_size=10.0\).*closest is trial 0 \(linear"):
        AutoMLClassifier(max_model_size=10, **params).fit(X, y)


def test_ensemble_members_are_dropped_to_fit_the_summed_limit(binary_data):
    X, y = binary_data
    params = dict(max_trials=5, estimators=["linear", "knn", "lightgbm"], **FAST)
    free = AutoMLClassifier(**params).fit(X, y)
    sizes = free.leaderboard_.set_index("trial_id")["model_size_bytes"]
    members = sizes[free.ensemble_members_]
    assert len(members) >= 3
    # the largest and the smallest member fit together, the two largest do not
    limit = float(members.max() + members.min()) * 1.02
    assert members.nlargest(2).sum() > limit
    capped = AutoMLClassifier(max_model_size=limit, **params).fit(X, y)
    kept = sizes[capped.ensemble_members_]
    assert 1 <= len(kept) < len(members) and kept.sum() <= limit
    np.testing.assert_allclose(capped.ensemble_weights_.sum(), 1.0)
    assert capped.best_estimator_profile_["model_size_bytes"] <= limit


def test_knee_callable_and_persistence_of_a_constrained_search(binary_data, tmp_path):
    X, y = binary_data
    params = dict(max_trials=5, objectives=("score", "predict_latency"),
                  estimators=["linear", "knn", "lightgbm"], **FAST)
    knee = AutoMLClassifier(select="knee", **params).fit(X, y)
    assert knee.ensemble_members_ == [knee.history_.trials[knee.best_index_].trial_id]
    assert knee.ensemble_members_[0] in set(knee.pareto_front_["trial_id"])
    picked = AutoMLClassifier(
        select=_fastest, max_predict_latency=1.0, checkpoint=tmp_path / "ck", **params
    ).fit(X, y)
    fastest = picked.pareto_front_.sort_values("predict_latency_s_per_row").iloc[0]
    assert picked.ensemble_members_ == [int(fastest["trial_id"])]
    # joblib and export_code as for any search
    joblib.dump(picked, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), picked.predict_proba(X))
    assert "def build_model" in picked.export_code()
    # the checkpoint keeps every measured cost: a resumed search replays them
    resumed = AutoMLClassifier(
        select=_fastest, max_predict_latency=1.0, checkpoint=tmp_path / "ck", **params
    ).fit(X, y)
    for a, b in zip(picked.history_.trials, resumed.history_.trials, strict=True):
        assert a.profile == b.profile
    assert resumed.ensemble_members_ == picked.ensemble_members_


def _fastest(front):
    return front.sort_values("predict_latency_s_per_row")["trial_id"].iloc[0]


class RecordingSearch(RandomSearch):
    """Random search that keeps what it is told (in the class: ``fit`` clones it)."""

    supports_multi_objective = True
    told: ClassVar[list] = []

    def _observe(self, config, score):
        type(self).told.append(score)


def test_searcher_is_told_every_objective(binary_data):
    X, y = binary_data
    RecordingSearch.told = []
    clf = AutoMLClassifier(
        max_trials=4, search=RecordingSearch(),
        objectives=("score", "predict_latency", "model_size"), **FAST,
    ).fit(X, y)
    assert len(RecordingSearch.told) == 4
    for trial, values in zip(clf.history_.trials, RecordingSearch.told, strict=True):
        assert values == pytest.approx((
            trial.mean_score,
            -math.log10(trial.profile["predict_latency_s_per_row"]),
            -math.log10(trial.profile["model_size_bytes"]),
        ))
