"""NAS strategies: searchers over architecture spaces, REINFORCE, DARTS."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_automl.nas import (
    CELL_OPS,
    CNNNetClassifier,
    MLPNetClassifier,
    NASClassifier,
    NASRegressor,
    ReinforceSearch,
    cnn_space,
    mlp_space,
)
from sklearn_automl.nas._darts import DartsSupernet, derive_cell, search_cell
from sklearn_automl.nas._spaces import config_to_params
from sklearn_automl.search import RandomSearch
from sklearn_automl.space import Categorical, Float, SearchSpace

SEARCH = {"time_budget": None, "device": "cpu", "n_jobs": 1, "random_state": 0}


def _decisions(config):
    """A trial's configuration as decisions of the architecture space."""
    return {k.split("__", 1)[1]: v for k, v in config.items() if k != "family"}


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300].reshape(-1, 8, 8), y[:300]


def test_every_configuration_of_the_spaces_builds_a_valid_estimator():
    rng = np.random.RandomState(0)
    for _ in range(20):
        params = config_to_params(mlp_space().sample(rng))
        assert len(params["width"]) == params["n_blocks"]
        MLPNetClassifier(**params).architecture()
        params = config_to_params(cnn_space((1, 8, 8)).sample(rng))
        arch = CNNNetClassifier(**params).architecture()
        assert all(0 <= i <= k for k, (_, i) in enumerate(arch["cell"]))
    # no reduction fits a 1 x 3 image: a single stage only
    assert cnn_space((1, 1, 3)).params["n_stages"].choices == [1]


@pytest.mark.parametrize("strategy", ["random", "bayesian", "evolutionary", "reinforce"])
def test_strategies_search_and_refit_the_best(strategy):
    X, y = make_classification(150, 6, random_state=0)
    nas = NASClassifier(strategy=strategy, max_trials=3, max_epochs=4, **SEARCH).fit(X, y)
    assert nas.n_trials_ == 3 and nas.space_kind_ == "mlp"
    scores = [t.mean_score for t in nas.history_.trials]
    assert nas.best_score_ == np.nanmax(scores)
    assert _decisions(nas.history_.trials[0].config) == mlp_space().default()  # warm start
    assert nas.best_estimator_.get_params()["n_blocks"] == nas.best_params_["n_blocks"]
    assert nas.best_arch_["kind"] == "mlp"
    assert nas.best_estimator_.n_epochs_ == 4
    assert nas.predict_proba(X).shape == (150, 2)


@pytest.mark.parametrize("schedule", ["successive_halving", "asha"])
def test_epochs_are_the_fidelity_of_the_schedules(schedule):
    X, y = make_classification(120, 5, random_state=0)
    nas = NASClassifier(schedule=schedule, max_trials=12, max_epochs=9, **SEARCH).fit(X, y)
    epochs = [round(t.fidelity * 9) for t in nas.history_.trials]
    assert set(epochs) <= {1, 3, 9} and epochs.count(1) > epochs.count(3) > 0
    best = nas.history_.trials[nas.best_index_]
    assert round(best.fidelity * 9) == max(epochs)  # the best of the top rung
    assert nas.best_estimator_.n_epochs_ == 9  # refit at full fidelity, as AutoML


def test_image_search_uses_the_cnn_space(digits):
    X, y = digits
    nas = NASClassifier(max_trials=2, max_epochs=2, **SEARCH).fit(X, y)
    assert nas.space_kind_ == "cnn"
    assert isinstance(nas.best_estimator_, CNNNetClassifier)
    flat = NASClassifier(max_trials=1, max_epochs=1, input_shape=(8, 8), **SEARCH)
    assert flat.fit(X.reshape(len(X), -1), y).best_estimator_.input_shape_ == (1, 8, 8)
    with pytest.raises(ValueError, match="space='mlp' needs 2-D X"):
        NASClassifier(space="mlp", max_trials=1, **SEARCH).fit(X, y)
    with pytest.raises(ValueError, match="darts"):
        NASClassifier(strategy="darts", max_trials=1, **SEARCH).fit(
            X.reshape(len(X), -1), y)


def test_darts_derives_a_cell_and_retrains_it(digits):
    X, y = digits
    nas = NASClassifier(strategy="darts", max_epochs=2, max_trials=1, **SEARCH).fit(X, y)
    cell = nas.best_params_["cell"]
    assert nas.darts_alpha_.shape == (6, len(CELL_OPS)) and nas.darts_epochs_ == 2
    assert cell == derive_cell(nas.darts_alpha_, 3)
    assert nas.best_estimator_.get_params()["cell"] == cell
    # the derived cell is the one trial of the engine's loop
    assert nas.n_trials_ == 1 and nas.history_.trials[0].params["cell"] == cell
    assert nas.phase_times_["darts"] > 0


def test_derive_cell_keeps_the_strongest_edge_and_operation():
    alpha = np.zeros((6, len(CELL_OPS)))
    alpha[0, CELL_OPS.index("conv5x5")] = 3  # node 0 <- input
    alpha[2, CELL_OPS.index("skip")] = 2  # node 1 <- node 1 (edge (1, 1))
    alpha[3, CELL_OPS.index("max_pool3x3")] = 5  # node 2 <- input (edge (2, 0))
    assert derive_cell(alpha, 3) == (("conv5x5", 0), ("skip", 1), ("max_pool3x3", 0))


def test_darts_trains_the_architecture_weights_apart_from_the_network_weights():
    X, y = load_digits(return_X_y=True)
    X = ((X - X.mean()) / X.std()).reshape(-1, 1, 8, 8).astype(np.float32)[:200]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)  # as search_cell builds its supernet
        net = DartsSupernet(1, 10, channels=4, n_nodes=2)
    initial = net.alpha.detach().numpy().copy()
    assert initial.shape == (3, len(CELL_OPS))
    assert not any(p is net.alpha for p in net.weights())
    _, alpha, n_epochs = search_cell(X, y[:200], 10, channels=4, n_nodes=2, epochs=2,
                                     seed=0)
    assert n_epochs == 2
    assert np.abs(alpha - initial).max() > 1e-3  # the architecture steps moved alpha


def test_reinforce_controller_learns_a_simple_reward():
    space = SearchSpace({k: Categorical(list(range(6))) for k in "abc"})
    totals = {}
    for name, searcher in (("reinforce", ReinforceSearch(space, random_state=0)),
                           ("random", RandomSearch(space, random_state=0))):
        sums = []
        for _ in range(40):
            c = searcher.ask()
            searcher.tell(c, c["a"] + c["b"] + c["c"])
            sums.append(c["a"] + c["b"] + c["c"])
        totals[name] = np.mean(sums[-20:])
    assert totals["reinforce"] > totals["random"] + 1


def test_reinforce_handles_conditional_and_numeric_parameters():
    space = SearchSpace(
        {"n": Categorical([1, 2]), "x": Float(1e-3, 1.0, log=True),
         "extra": Categorical(["a", "b"])},
        conditions={"extra": ("n", [2])},
    )
    s = ReinforceSearch(space, initial_configs=[{"n": 1, "x": 0.0123}], random_state=0)
    for _ in range(10):
        c = s.ask()
        assert ("extra" in c) == (c["n"] == 2)
        s.tell(c, c["x"])
    s.tell(s.ask(), None)  # a failed trial does not update the policy
    assert len(s.rewards_) == 10 and s.baseline_ is not None


def test_regressor_search():
    X, y = make_regression(120, 4, noise=1.0, random_state=0)
    nas = NASRegressor(max_trials=2, max_epochs=20, **SEARCH).fit(X, y)
    assert nas.score(X, y) > 0.5


def test_failed_trials_are_recorded_not_raised(monkeypatch):
    X, y = make_classification(80, 4, random_state=0)
    calls = []
    original = MLPNetClassifier.fit

    def flaky(self, X, y):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return original(self, X, y)

    monkeypatch.setattr(MLPNetClassifier, "fit", flaky)
    nas = NASClassifier(max_trials=2, max_epochs=2, **SEARCH).fit(X, y)
    first = nas.history_.trials[0]
    assert first.status == "failed" and "boom" in first.error
    assert nas.best_index_ == 1


def test_time_budget_cuts_trials_and_refit_short():
    # a million epochs never fit in 3 seconds: the trial's network stops at its
    # share of the time (max_time) and is scored; the refit stops on time too
    X, y = make_classification(200, 6, random_state=0)
    nas = NASClassifier(max_epochs=10**6, time_budget=3, device="cpu", n_jobs=1,
                        random_state=0).fit(X, y)
    assert nas.n_trials_ >= 1
    first = nas.history_.trials[0]
    assert first.status == "ok" and np.isfinite(first.mean_score)
    assert nas.best_estimator_.n_epochs_ < 10**6
    assert nas.best_estimator_.get_params()["max_time"] is not None


def test_nas_runs_on_the_engine_with_checkpoints_and_callbacks(tmp_path):
    """The NAS estimators share the AutoML loop: checkpoint, resume, callbacks."""
    from sklearn_automl import TrialResult

    X, y = make_classification(120, 5, random_state=0)
    seen = []
    params = dict(max_trials=3, max_epochs=2, checkpoint=tmp_path / "nas", **SEARCH)
    first = NASClassifier(callbacks=[seen.append], **params).fit(X, y)
    assert len(seen) == 3 and all(isinstance(r, TrialResult) for r in seen)
    assert list(first.leaderboard_["family"].unique()) == ["mlp_net"]
    # a second fit resumes from the log: nothing is trained again
    resumed = NASClassifier(callbacks=[seen.append], **params).fit(X, y)
    assert len(seen) == 3
    assert [t.mean_score for t in resumed.history_.trials] == [
        t.mean_score for t in first.history_.trials]
