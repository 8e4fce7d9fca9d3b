"""Meta-features, the portfolio and the warm start of the AutoML search."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._metalearning import (
    META_FEATURES,
    Portfolio,
    greedy_portfolio,
    meta_features,
    portfolio_configs,
    project_config,
)
from sklearn_automl._plan import make_plan
from sklearn_automl.space import Categorical, Float, Int, SearchSpace


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({
        "a": rng.normal(size=n),
        "b": np.where(rng.random(n) < 0.25, np.nan, rng.normal(size=n)),
        "color": rng.choice(["red", "green", "blue"], n),
        "size": rng.choice(["S", "M"], n),
    })
    y = np.where(X["a"] > 0.5, "x", np.where(X["a"] < -0.5, "y", "z"))
    return X, y


def test_meta_features_describe_the_data(mixed):
    X, y = mixed
    f = meta_features(X, y, "classification")
    assert list(f) == list(META_FEATURES)
    assert all(math.isfinite(v) for v in f.values())
    assert f["log_rows"] == pytest.approx(math.log10(200))
    assert f["log_features"] == pytest.approx(math.log10(4))
    assert f["log_classes"] == pytest.approx(math.log2(3))
    assert f["share_numeric"] == pytest.approx(0.5)
    assert f["share_categorical"] == pytest.approx(0.5)
    assert f["share_missing_columns"] == pytest.approx(0.25)
    assert f["share_missing_cells"] == pytest.approx(X.isna().to_numpy().mean())
    # y is a threshold of column "a": a stump finds most of it
    assert f["landmark_stump"] > 0.6
    assert 0 < f["minority_share"] <= 1 and 0 < f["class_entropy"] <= 1


def test_landmarkers_separate_easy_from_noise():
    X, y = make_classification(500, 6, n_informative=4, class_sep=3, random_state=0)
    noise = np.random.default_rng(0).integers(0, 2, 500)
    easy = meta_features(X, y, "classification")
    hard = meta_features(X, noise, "classification")
    for name in ("landmark_stump", "landmark_linear", "landmark_1nn"):
        assert easy[name] > hard[name] + 0.2
    Xr, yr = load_diabetes(return_X_y=True)
    reg = meta_features(Xr, yr, "regression")
    assert reg["log_classes"] == 0 and reg["minority_share"] == 1
    assert reg["landmark_linear"] > reg["landmark_1nn"]  # diabetes is near-linear


def test_project_config_fits_any_config_into_the_space():
    space = SearchSpace({
        "family": Categorical(["gbm", "lin"]),
        "gbm__n": Int(10, 100, default=50),
        "gbm__lr": Float(0.01, 1.0, log=True, default=0.1),
        "gbm__kind": Categorical(["a", "b"]),
        "lin__C": Float(0.1, 10.0, default=1.0),
    }, {"gbm__n": ("family", ["gbm"]), "gbm__lr": ("family", ["gbm"]),
        "gbm__kind": ("family", ["gbm"]), "lin__C": ("family", ["lin"])})
    got = project_config(
        {"family": "gbm", "gbm__n": 500.7, "gbm__lr": 1e-5, "gbm__kind": "zzz",
         "gbm__gone": 3, "lin__C": 2.0},
        space,
    )
    assert got == {"family": "gbm", "gbm__n": 100, "gbm__lr": 0.01, "gbm__kind": "a"}
    assert space.validate(got) == got
    assert project_config({"family": "knn", "knn__k": 3}, space) is None
    assert project_config({"family": "lin"}, space) == {"family": "lin", "lin__C": 1.0}


def test_greedy_portfolio_prefers_complements():
    S = np.array([[1.0, 0.0, 0.9, 0.95],
                  [0.0, 1.0, 0.9, 0.85]])
    # the all-rounder first, then the config that covers what it misses best
    assert greedy_portfolio(S, 2) == [2, 0]
    # with all weight on the second dataset, its specialist comes first
    assert greedy_portfolio(S, 1, weights=np.array([0.0, 1.0])) == [1]
    assert sorted(greedy_portfolio(S, 10)) == [0, 1, 2, 3]


def _toy_portfolio():
    names = list(META_FEATURES)
    near_a, near_b = np.zeros(len(names)), np.ones(len(names))
    datasets = [{"name": f"a{i}", "meta_features": (near_a + i * 0.01).tolist(),
                 "scores": [1.0, 0.2]} for i in range(5)]
    datasets += [{"name": f"b{i}", "meta_features": (near_b + i * 0.01).tolist(),
                  "scores": [0.1, 1.0]} for i in range(5)]
    return Portfolio({
        "meta_feature_names": names,
        "scale": {"mean": [0.5] * len(names), "std": [0.5] * len(names)},
        "classification": {
            "configs": [{"family": "linear"}, {"family": "knn"}],
            "datasets": datasets,
        },
    }), names


def test_rank_orders_by_similarity():
    portfolio, names = _toy_portfolio()
    near_a = dict.fromkeys(names, 0.0)
    near_b = dict.fromkeys(names, 1.0)
    assert [c["family"] for c in portfolio.rank(near_a, "classification")] == [
        "linear", "knn"]
    assert [c["family"] for c in portfolio.rank(near_b, "classification")] == [
        "knn", "linear"]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_shipped_portfolio_projects_onto_real_spaces(task):
    portfolio = Portfolio.load()
    assert len(portfolio.configs(task)) >= 4
    assert len({c["family"] for c in portfolio.configs(task)}) >= 3  # complementary
    data = load_breast_cancer if task == "classification" else load_diabetes
    X, y = data(return_X_y=True, as_frame=True)
    plan = make_plan(X, task, None)
    configs = portfolio_configs(X, y, task, plan.space, kinds=plan.kinds)
    assert configs
    keys = set()
    for config in configs:
        assert plan.space.validate(config) == config
        keys.add(tuple(sorted(config.items(), key=str)))
    assert len(keys) == len(configs)
    # restricted families: only those are proposed
    small = make_plan(X, task, ["linear", "lightgbm"])
    configs = portfolio_configs(X, y, task, small.space, kinds=small.kinds)
    assert {c["family"] for c in configs} <= {"linear", "lightgbm"}


def test_automl_starts_from_the_portfolio(mixed):
    X, y = mixed
    clf = AutoMLClassifier(max_trials=3, time_budget=None, cv=3, random_state=0,
                           ensemble_size=0).fit(X, y)
    plan = make_plan(X, "classification", None)
    ranked = portfolio_configs(X, y, "classification", plan.space, kinds=plan.kinds)
    first = plan.default_configs()[0]  # the cheapest family's defaults lead
    expected = [first, *(c for c in ranked if c != first)]
    assert [t.config for t in clf.history_.trials] == expected[:3]


def test_initial_configs_none_and_list(mixed):
    X, y = mixed
    clf = AutoMLClassifier(max_trials=2, time_budget=None, cv=3, random_state=0,
                           initial_configs=None, ensemble_size=0).fit(X, y)
    plan = make_plan(X, "classification", None)
    assert [t.config for t in clf.history_.trials] == plan.default_configs()[:2]
    mine = [{"family": "knn", "knn__n_neighbors": 7}, {"family": "linear"}]
    clf = AutoMLClassifier(max_trials=2, time_budget=None, cv=3, random_state=0,
                           initial_configs=mine, ensemble_size=0).fit(X, y)
    first, second = (t.config for t in clf.history_.trials)
    assert first["family"] == "knn" and first["knn__n_neighbors"] == 7
    assert second == plan.space.validate({"family": "linear"})


def test_initial_configs_errors_name_the_entry(mixed):
    X, _ = mixed
    bad = AutoMLRegressor(max_trials=1, time_budget=None,
                          initial_configs=[{"family": "linear", "linear__nope": 1}])
    with pytest.raises(ValueError, match=r"initial_configs\[0\].*linear__nope"):
        bad.fit(X, np.arange(len(X), dtype=float))
    with pytest.raises(TypeError, match=r"initial_configs\[1\] must be a dict"):
        AutoMLRegressor(max_trials=1, time_budget=None,
                        initial_configs=[{"family": "linear"}, "lightgbm"]).fit(
            X, np.arange(len(X), dtype=float))
    with pytest.raises(ValueError, match="initial_configs"):
        AutoMLRegressor(initial_configs="warm").fit(X, np.arange(len(X), dtype=float))
