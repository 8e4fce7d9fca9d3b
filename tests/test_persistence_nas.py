"""Persistence of NAS searches: skops with only the library's types, no training data."""

import io
import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")
sio = pytest.importorskip("skops.io")

from pickle_inspection import pickle_globals, untrusted

from sklearn_automl import load
from sklearn_automl.nas import NASClassifier, NASRegressor, ReinforceSearch
from sklearn_automl.nas._netplan import PROXY_BATCH
from sklearn_automl.space import Categorical, SearchSpace

SEARCH = {"time_budget": None, "device": "cpu", "n_jobs": 1, "random_state": 0}


def _arrays(obj):
    """Every numpy array in the pickled object graph of ``obj``."""
    found = []

    class Collect(pickle.Pickler):
        def reducer_override(self, value):
            if isinstance(value, np.ndarray):
                found.append(value)
            return NotImplemented

    Collect(io.BytesIO()).dump(obj)
    return found


@pytest.fixture(scope="module")
def images():
    digits = load_digits()
    return digits.images[:120], digits.target[:120]


@pytest.fixture(scope="module")
def screened_search(images):
    # random search of the CNN space: proxy="auto" screens proposals with
    # synflow on a minibatch of training rows (the two trials here are the
    # unscreened baseline and default, the minibatch is taken all the same)
    X, y = images
    return NASClassifier(max_trials=2, max_epochs=1, **SEARCH).fit(X, y)


def test_a_fitted_cnn_search_round_trips_through_skops(screened_search, images, tmp_path):
    X, _ = images
    nas = screened_search
    assert nas.space_kind_ == "cnn" and nas.proxy_ == "synflow"
    sio.dump(nas, tmp_path / "nas.skops")
    assert untrusted(tmp_path / "nas.skops") == []
    loaded = load(tmp_path / "nas.skops", format="skops")
    np.testing.assert_array_equal(loaded.predict_proba(X), nas.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), nas.predict(X))
    assert loaded.best_arch_ == nas.best_arch_
    assert loaded.architecture_cache_.scores_ == nas.architecture_cache_.scores_
    # the cache's key is a plain function of the configuration, as before saving
    config = nas.best_config_
    assert loaded.architecture_cache_.key(config) == nas.architecture_cache_.key(config)


def test_a_fitted_search_holds_no_training_data(screened_search, images):
    X, y = images
    nas = screened_search
    proxy = nas.architecture_cache_.searcher.proxy
    assert proxy.X is None and proxy.y is None  # released at the end of fit
    with pytest.raises(RuntimeError, match="released"):
        proxy(nas.best_config_)
    batch = min(PROXY_BATCH, len(X))
    for a in _arrays(nas):
        # no image rows (raw or standardized, as (n, 8, 8) or (n, 1, 8, 8) or
        # flattened) and no label vector of the training or the proxy's rows
        assert not (a.ndim >= 2 and a.shape[-2:] == X.shape[1:]), a.shape
        assert not (a.ndim >= 2 and a.shape[-1] == X[0].size), a.shape
        assert not (a.ndim == 1 and len(a) in (len(X), batch)
                    and np.isin(a, y).all()), a.shape
    assert len(pickle.dumps(nas)) < X.nbytes + 400_000  # the networks' weights


def test_the_reinforce_controller_pickles_as_plain_data(tmp_path):
    space = SearchSpace({"a": Categorical(list(range(6))),
                         "b": Categorical(list(range(6)))})
    controller = ReinforceSearch(space, random_state=0)
    for _ in range(5):
        c = controller.ask()
        controller.tell(c, c["a"] + c["b"])
    blob = pickle.dumps(controller)
    assert not [r for r in pickle_globals(blob) if r.split(".")[0] == "torch"]
    rng = torch.random.get_rng_state()
    copies = [pickle.loads(blob)]
    assert torch.equal(torch.random.get_rng_state(), rng)  # caller's stream untouched
    sio.dump(controller, tmp_path / "controller.skops")
    assert untrusted(tmp_path / "controller.skops") == []
    copies.append(load(tmp_path / "controller.skops", format="skops"))
    # the copies go on exactly as the original: same policy, Adam state, sampling
    runs = []
    for searcher in [controller, *copies]:
        run = []
        for _ in range(5):
            c = searcher.ask()
            searcher.tell(c, c["a"] + c["b"])
            run.append(c)
        runs.append((run, [p.detach().numpy().copy() for p in searcher.policy_.parameters()]))
    for run, weights in runs[1:]:
        assert run == runs[0][0]
        for w, w0 in zip(weights, runs[0][1], strict=True):
            np.testing.assert_array_equal(w, w0)


@pytest.mark.parametrize("strategy", ["reinforce", "evolutionary"])
def test_tabular_searches_round_trip_through_skops(strategy, tmp_path):
    if strategy == "reinforce":
        X, y = make_classification(80, 5, random_state=0)
        nas = NASClassifier(strategy=strategy, max_trials=2, max_epochs=1, **SEARCH)
    else:
        X, y = make_regression(80, 5, random_state=0)
        nas = NASRegressor(strategy=strategy, max_trials=2, max_epochs=1, **SEARCH)
    nas.fit(X, y)
    sio.dump(nas, tmp_path / "nas.skops")
    assert untrusted(tmp_path / "nas.skops") == []
    loaded = load(tmp_path / "nas.skops", format="skops")
    np.testing.assert_array_equal(loaded.predict(X), nas.predict(X))
    assert type(loaded.searcher_) is type(nas.searcher_)
