"""_profile.measure_profile and evaluate's latency_batch_size."""

import math
import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold

from sklearn_automl._evaluate import evaluate
from sklearn_automl._profile import PROFILE_KEYS, measure_profile


class RecordingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts class 0 and records the number of rows of every predict."""

    def __init__(self, payload=0):
        self.payload = payload

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.weights_ = np.zeros(self.payload)
        self.calls_ = []
        return self

    def predict(self, X):
        self.calls_.append(len(X))
        return np.full(len(X), self.classes_[0])


class Unpicklable(RecordingClassifier):
    def __reduce__(self):
        raise TypeError("cannot pickle this model")


class TinyNet(RecordingClassifier):
    """Stands in for a fitted network: its size and FLOPs as attributes."""

    def fit(self, X, y):
        super().fit(X, y)
        self.n_params_, self.flops_ = 123, 456
        self.profile_ = {"peak_memory_mb": 3.0, "model_size_bytes": 2**20,
                         "device": "cpu"}
        return self


def _data(n=300):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] > 0).astype(int)


def test_profile_entries_and_the_calls_it_makes():
    X, y = _data()
    model = RecordingClassifier(payload=10_000).fit(X, y)
    size = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    prof = measure_profile(model, X[:150], batch_size=100)
    assert set(PROFILE_KEYS) <= set(prof) and prof["profile_time_s"] > 0
    # one traced call (also the warm-up) and 3 timed calls of the batch, 5 rows
    assert model.calls_ == [100] * 4 + [1] * 5
    assert prof["model_size_bytes"] == size
    assert prof["predict_latency_s_per_row"] > 0
    assert prof["predict_latency_s_per_row_batch1"] > 0
    # the model's own size is part of its peak memory
    assert prof["peak_memory_mb"] >= prof["model_size_bytes"] / 2**20
    assert "n_params" not in prof


def test_sizes_follow_the_model_and_a_failure_is_nan():
    X, y = _data()
    small = measure_profile(RecordingClassifier(10).fit(X, y), X)
    big = measure_profile(RecordingClassifier(100_000).fit(X, y), X)
    assert big["model_size_bytes"] - small["model_size_bytes"] >= 8 * 99_000
    broken = measure_profile(Unpicklable().fit(X, y), X)
    assert math.isnan(broken["model_size_bytes"])
    assert broken["predict_latency_s_per_row"] > 0  # the rest is still measured


def test_network_entries_come_from_the_fitted_net():
    X, y = _data()
    prof = measure_profile(TinyNet().fit(X, y), X)
    assert (prof["n_params"], prof["flops"], prof["device"]) == (123, 456, "cpu")
    # its activations (3 MB peak minus its 1 MB of weights) are added
    assert prof["peak_memory_mb"] >= 2.0


def test_evaluate_measures_the_last_fold_only_when_asked():
    X, y = _data()
    splits = list(KFold(3).split(X))
    scorer = get_scorer("accuracy")
    plain = evaluate(LogisticRegression(), X, y, splits, scorer)
    assert plain.status == "ok" and plain.profile == {}
    res = evaluate(LogisticRegression(), X, y, splits, scorer, latency_batch_size=50)
    assert res.status == "ok" and set(PROFILE_KEYS) <= set(res.profile)
    np.testing.assert_array_equal(res.scores, plain.scores)


def test_a_failed_trial_has_no_profile():
    X, y = _data()
    bad = evaluate(LogisticRegression(C=-1.0), X, y, list(KFold(3).split(X)),
                   get_scorer("accuracy"), latency_batch_size=100)
    assert bad.status == "failed" and bad.profile == {}


@pytest.mark.parametrize("n_rows", [1, 7])
def test_fewer_rows_than_single_predictions(n_rows):
    X, y = _data()
    model = RecordingClassifier().fit(X, y)
    prof = measure_profile(model, X[:n_rows], batch_size=1000)
    assert model.calls_ == [n_rows] * 4 + [1] * 5
    assert prof["predict_latency_s_per_row"] > 0
