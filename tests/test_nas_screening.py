"""Cheaper NAS: the fixed baseline, the architecture cache, zero-cost proxies,
learning-curve stopping, and the hardware profile in the leaderboard."""

import math

import numpy as np
import pytest
from sklearn.datasets import load_digits

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_automl._history import History, TrialResult
from sklearn_automl.nas import (
    ArchitectureCache,
    CNNNetClassifier,
    NASClassifier,
    ProxyScreening,
    architecture_key,
    cnn_baseline,
    cnn_space,
    count_params,
    zero_cost_proxies,
)
from sklearn_automl.nas._training import _saturating_fit
from sklearn_automl.search import EvolutionarySearch, RandomSearch
from sklearn_automl.space import Categorical, Float, SearchSpace, config_key


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:360].reshape(-1, 8, 8).astype(np.float32), y[:360]


def _cnn(cell, **kw):
    return {"channels": 8, "n_stages": 1, "cells_per_stage": 1, "lr": 3e-3,
            "reduce_op": "conv3x3", "cell": cell, **kw}


def test_architecture_key_is_the_same_for_equivalent_cells_only():
    a = _cnn((("conv3x3", 0), ("sep_conv3x3", 0), ("avg_pool3x3", 1)))
    # node order and children order do not matter
    b = _cnn((("sep_conv3x3", 0), ("conv3x3", 0), ("avg_pool3x3", 2)))
    # an inner skip passes its input on: conv -> skip -> pool is conv -> pool
    c = _cnn((("conv3x3", 0), ("skip", 1), ("avg_pool3x3", 2), ("sep_conv3x3", 0)))
    assert architecture_key(a) == architecture_key(b) == architecture_key(c)
    # a skip leaf adds its input to the output: a different network
    d = _cnn((("conv3x3", 0), ("skip", 0)))
    assert architecture_key(d) != architecture_key(_cnn((("conv3x3", 0),)))
    assert architecture_key(a) != architecture_key(dict(a, channels=16))
    assert architecture_key(a) != architecture_key(dict(a, lr=1e-3))
    # one stage: the reduction is not used
    assert architecture_key(a) == architecture_key(dict(a, reduce_op="max_pool3x3"))
    assert architecture_key(dict(a, n_stages=2)) != architecture_key(
        dict(a, n_stages=2, reduce_op="max_pool3x3"))


def test_the_cache_never_passes_on_a_known_architecture_and_tells_its_score():
    space = SearchSpace({"a": Categorical([0, 1, 2]), "b": Categorical(list(range(5)))})
    inner = RandomSearch(space, random_state=0)
    cache = ArchitectureCache(inner, key=lambda c: c["a"])  # only "a" matters
    trained = []
    for _ in range(3):
        config = cache.ask()
        trained.append(config["a"])
        cache.tell(config, 10.0 * config["a"])
    assert sorted(trained) == [0, 1, 2]
    with pytest.raises(Exception, match="trained already|proposed"):
        cache.ask()
    # every duplicate the inner searcher proposed was told the cached score
    told = {config_key(c): s for c, s in inner.history_}
    assert len(told) == 15 and cache.n_cached_ == 12
    assert all(s == 10.0 * c["a"] for c, s in inner.history_)


def test_a_duplicate_of_a_running_architecture_waits_for_its_score():
    space = SearchSpace({"a": Categorical([0, 1]), "b": Categorical([0, 1, 2])})
    inner = EvolutionarySearch(space, population_size=2, random_state=0)
    cache = ArchitectureCache(inner, key=lambda c: c["a"])
    first, second = cache.ask(), cache.ask()  # two in flight, different "a"
    assert first["a"] != second["a"]
    before = len(inner.history_)
    cache.tell(first, 1.0)
    cache.tell(second, 2.0)
    waiting_told = len(inner.history_) - before - 2
    assert waiting_told == cache.n_cached_  # duplicates asked while running


def test_screening_proposes_the_best_candidate_and_leaves_the_rest_out():
    space = SearchSpace({"x": Float(0, 1)})
    inner = RandomSearch(space, initial_configs=[{"x": 0.01}], random_state=0)
    screen = ProxyScreening(inner, proxy=lambda c: -abs(c["x"] - 0.5), n_candidates=20)
    assert screen.ask() == {"x": 0.01}  # the initial configuration, unscreened
    config = screen.ask()
    drawn = [c["x"] for c, _ in screen.proxy_scores_]
    assert len(drawn) == 20 and config["x"] == min(drawn, key=lambda v: abs(v - 0.5))
    assert screen.n_screened_ == 19
    assert list(inner.pending_.values()) == [{"x": 0.01}, config]


def test_zero_cost_proxies_are_deterministic_and_grow_with_width(digits):
    X, y = digits
    xb = ((X[:16] - X.mean()) / X.std())[:, None]
    shape = (1, 8, 8)
    narrow = {"kind": "cnn", "channels": 8, "n_stages": 1,
              "cell": (("conv3x3", 0), ("sep_conv3x3", 1))}
    wide = dict(narrow, channels=24)
    a = zero_cost_proxies(narrow, xb, y[:16], input_shape=shape, n_outputs=10)
    b = zero_cost_proxies(narrow, xb, y[:16], input_shape=shape, n_outputs=10)
    w = zero_cost_proxies(wide, xb, y[:16], input_shape=shape, n_outputs=10)
    assert a == b and all(math.isfinite(v) for v in a.values())
    assert a["n_params"] == count_params(narrow, shape, 10)
    # more channels: more paths (synflow) and more distinct activation codes
    assert w["synflow"] > a["synflow"] and w["n_params"] > a["n_params"]
    with pytest.raises(ValueError, match="Unknown proxies"):
        zero_cost_proxies(narrow, xb, y[:16], input_shape=shape, n_outputs=10,
                          proxies=("zen",))


def test_saturating_fit_recovers_a_power_law():
    t = np.arange(1, 9)
    value, rmse = _saturating_fit(0.9 - 0.5 * t ** -1.0, 40)
    assert value == pytest.approx(0.9 - 0.5 / 40) and rmse < 1e-9
    # a falling curve: flat at its recent mean
    value, _ = _saturating_fit([0.5, 0.4, 0.3, 0.2], 40)
    assert value == pytest.approx(0.3)


def test_curve_stopping_ends_a_network_that_cannot_reach_the_target(digits):
    X, y = digits
    params = {"channels": 8, "n_stages": 1, "max_epochs": 20, "early_stopping": None,
                  "device": "cpu", "random_state": 0}
    hopeless = CNNNetClassifier(curve_target=1.5, **params).fit(X, y)
    assert hopeless.curve_stopped_ and hopeless.n_epochs_ == 6  # its minimum epochs
    assert len(hopeless.curve_scores_) == 6
    watched = CNNNetClassifier(curve_target=-np.inf, **{**params, "max_epochs": 7}
                               ).fit(X, y)
    assert not watched.curve_stopped_
    assert len(watched.curve_scores_) == watched.n_epochs_ > 0


def test_image_search_starts_from_the_baseline_and_profiles_every_trial(digits):
    X, y = digits
    nas = NASClassifier(max_trials=3, max_epochs=1, time_budget=None, device="cpu",
                        n_candidates=3, random_state=0).fit(X[:240], y[:240])
    configs = [t.config for t in nas.history_.trials]
    shape = nas.input_shape_
    first = {k.split("__", 1)[1]: v for k, v in configs[0].items() if k != "family"}
    assert first == cnn_baseline(shape)
    second = {k.split("__", 1)[1]: v for k, v in configs[1].items() if k != "family"}
    assert second == cnn_space(shape).default()
    assert nas.proxy_ == "synflow" and nas.n_screened_ == 2  # trial 3 only
    keys = [architecture_key(t.params) for t in nas.history_.trials]
    assert len(set(keys)) == len(keys)
    board = nas.leaderboard_
    for col in ("n_params", "flops", "predict_latency_s_per_row",
                "predict_latency_s_per_row_batch1", "peak_memory_mb",
                "model_size_bytes"):
        assert board[col].notna().all() and (board[col] > 0).all(), col
    for _, row in board.iterrows():
        arch = CNNNetClassifier(**row["params"]).architecture()
        assert row["n_params"] == count_params(arch, shape, 10)
    # the refit trains on all rows: no curve split
    assert nas.best_estimator_.curve_target is None


def test_leaderboard_adds_profile_columns_only_when_measured():
    history = History()
    history.append(TrialResult(0, {}, "a", {}, "ok", mean_score=0.5))
    assert "n_params" not in history.leaderboard().columns
    history.append(TrialResult(1, {}, "b", {}, "ok", mean_score=0.7,
                               profile={"n_params": 3, "peak_memory_mb": 1.5}))
    board = history.leaderboard()
    assert list(board.columns[9:11]) == ["n_params", "peak_memory_mb"]
    assert board["n_params"].tolist()[0] == 3 and math.isnan(board["n_params"][1])
