"""Persistence of the neural networks: plain numpy state, skops with no torch type."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")
sio = pytest.importorskip("skops.io")

from pickle_inspection import pickle_globals, untrusted

from sklearn_automl import AutoMLClassifier, AutoMLRegressor, load
from sklearn_automl.nas import CNNNetClassifier, MLPNetClassifier, MLPNetRegressor

FAST = {"max_epochs": 3, "device": "cpu", "n_jobs": 1, "random_state": 0}


def _nets(estimator):
    """The network estimators inside a fitted pipeline or ensemble."""
    found = []

    def walk(obj):
        if isinstance(obj, (MLPNetClassifier, MLPNetRegressor, CNNNetClassifier)):
            found.append(obj)
        for attr in ("steps", "estimators_"):
            for item in getattr(obj, attr, None) or []:
                walk(item[1] if isinstance(item, tuple) else item)

    walk(estimator)
    return found


def test_a_pickled_net_holds_no_torch_object_and_predicts_the_same():
    X, y = make_classification(80, 5, random_state=0)
    clf = MLPNetClassifier(categorical_features=None, **FAST).fit(X, y)
    blob = pickle.dumps(clf)
    refs = pickle_globals(blob)
    assert "sklearn_automl.nas._estimators.MLPNetClassifier" in refs
    assert not [r for r in refs if r.split(".")[0] in ("torch", "skorch")], refs
    rng = torch.random.get_rng_state()
    loaded = pickle.loads(blob)
    assert torch.equal(torch.random.get_rng_state(), rng)  # caller's stream untouched
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.device_ == "cpu"
    assert loaded.net_.batch_size == clf.net_.batch_size
    assert len(loaded.net_.history) == len(clf.net_.history) == clf.n_epochs_
    # the original is untouched by pickling, and the loaded one trains again
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X),
                                  clf.predict_proba(X))
    assert loaded.fit(X, y).n_epochs_ == FAST["max_epochs"]


def test_skops_stores_nets_with_only_the_librarys_types(tmp_path):
    X, y = make_regression(60, 4, n_targets=2, random_state=0)
    reg = MLPNetRegressor(width=8, normalization="batch", **FAST).fit(X, y)
    sio.dump(reg, tmp_path / "reg.skops")
    assert sio.get_untrusted_types(file=tmp_path / "reg.skops") == [
        "sklearn_automl.nas._estimators.MLPNetRegressor"]
    assert untrusted(tmp_path / "reg.skops") == []
    loaded = load(tmp_path / "reg.skops", format="skops")
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))

    digits = load_digits()
    images, labels = digits.images[:120], digits.target[:120]
    cnn = CNNNetClassifier(channels=4, n_stages=2, cell=(("sep_conv3x3", 0),),
                           early_stopping=None, **FAST).fit(images, labels)
    sio.dump(cnn, tmp_path / "cnn.skops")
    assert untrusted(tmp_path / "cnn.skops") == []
    loaded = load(tmp_path / "cnn.skops", format="skops")
    assert loaded.input_shape_ == cnn.input_shape_ == (1, 8, 8)
    np.testing.assert_array_equal(loaded.predict_proba(images), cnn.predict_proba(images))


def test_net_saved_on_cuda_loads_on_the_cpu_with_one_warning(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA to check the fallback")
    X, y = make_classification(60, 4, random_state=0)
    clf = MLPNetClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = clf.device_ = "cuda"  # as a net trained on a GPU has them
    sio.dump(clf, tmp_path / "gpu.skops")
    with pytest.warns(UserWarning, match="no CUDA devices") as caught:
        loaded = load(tmp_path / "gpu.skops", format="skops")
    assert len(caught) == 1
    assert loaded.device_ == "cpu"
    assert next(loaded.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_automl_with_neural_members_round_trips_through_skops(task, tmp_path):
    if task == "classification":
        X, y = make_classification(90, 4, n_informative=3, n_redundant=0,
                                   random_state=0)
        model = AutoMLClassifier(estimators=["mlp_net"], time_budget=None,
                                 max_trials=2, cv=2, random_state=0)
    else:  # stacking of a network and a linear model: the net is a member
        X, y = make_regression(90, 4, noise=1.0, random_state=0)
        model = AutoMLRegressor(estimators=["mlp_net", "linear"], time_budget=None,
                                max_trials=3, cv=2, ensemble="stacking",
                                random_state=0)
    model.fit(X, y)
    assert _nets(model.best_estimator_), model.best_estimator_
    sio.dump(model, tmp_path / "m.skops")
    assert untrusted(tmp_path / "m.skops") == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same versions: no warning at all
        loaded = load(tmp_path / "m.skops", format="skops")
    # the same weights on the same CPU: identical, not just close
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    if task == "classification":
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
