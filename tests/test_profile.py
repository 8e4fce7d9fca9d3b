"""_profile.measure_profile and evaluate's latency_batch_size."""

import math
import pickle
import threading

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



class ClockedClassifier(RecordingClassifier):
    """Each predict advances a fake clock by ``seconds[rows]``: the repeat
    budget is tested by counting calls, not by wall time."""

    def __init__(self, payload=0, seconds=None, clock=None):
        super().__init__(payload)
        self.seconds = seconds
        self.clock = clock

    def predict(self, X):
        self.clock[0] += self.seconds[len(X)]
        return super().predict(X)


@pytest.fixture
def fake_clock(monkeypatch):
    """``_profile``'s ``time.perf_counter`` reads this one-element list."""
    import types

    import sklearn_automl._profile as profile_module

    clock = [0.0]
    monkeypatch.setattr(profile_module, "time",
                        types.SimpleNamespace(perf_counter=lambda: clock[0]))
    return clock


def _memory_path(monkeypatch, resident):
    """Force the resident-memory path (skipped where it is unavailable) or
    the tracemalloc one; the calls the memory measurement adds before the
    timed ones, and its seconds in ``ClockedClassifier`` terms."""
    import sklearn_automl._profile as profile_module

    if resident and not profile_module._resident_available():
        pytest.skip("no /proc/self/clear_refs here")
    monkeypatch.setattr(profile_module, "_resident_available", lambda: resident)
    return ([], 0.0) if resident else ([100], 1.0)


@pytest.mark.parametrize("resident", [True, False])
@pytest.mark.parametrize(("left", "timed"), [
    # one batch (1 s) and one row (0.5 s) always
    (-1.0, [100, 1]),
    (0.0, [100, 1]),
    # then a repeat while it fits in what is left, the kind less done first
    (0.55, [100, 1, 1]),
    (1.7, [100, 1, 1, 100]),
    (3.5, [100, 1, 1, 100, 1, 1, 100]),
    # never more than n_repeats batches and n_single rows
    (1e6, [100, 1, 1, 100, 1, 1, 100, 1]),
])
def test_the_repeats_stay_within_max_time(fake_clock, monkeypatch, resident,
                                          left, timed):
    before, memory_s = _memory_path(monkeypatch, resident)
    X, y = _data()
    model = ClockedClassifier(seconds={100: 1.0, 1: 0.5}, clock=fake_clock).fit(X, y)
    max_time = memory_s + 1.5 + left
    prof = measure_profile(model, X, batch_size=100, max_time=max_time)
    assert model.calls_ == [*before, *timed]
    spent = memory_s + sum(model.seconds[c] for c in timed)
    assert prof["profile_time_s"] == pytest.approx(spent)
    assert spent <= max(max_time, memory_s + 1.5)
    assert prof["predict_latency_s_per_row"] == pytest.approx(1.0 / 100)
    assert prof["predict_latency_s_per_row_batch1"] == pytest.approx(0.5)
    assert all(math.isfinite(prof[k]) for k in PROFILE_KEYS)


class Allocating(RecordingClassifier):
    """Its predict allocates (and writes) ``mb`` megabytes per call."""

    def __init__(self, payload=0, mb=0):
        super().__init__(payload)
        self.mb = mb

    def predict(self, X):
        buffer = np.ones(self.mb * 2**17)  # 8 bytes each
        self.calls_.append(len(X))
        return np.full(len(X), self.classes_[0]) + 0 * buffer[: len(X)].astype(int)


@pytest.mark.parametrize("resident", [True, False])
@pytest.mark.parametrize("max_time", [None, 0.0])
def test_the_peak_memory_sees_what_predict_allocates(monkeypatch, resident, max_time):
    _memory_path(monkeypatch, resident)
    X, y = _data()
    small = measure_profile(Allocating(mb=1).fit(X, y), X, max_time=max_time)
    big = measure_profile(Allocating(mb=64).fit(X, y), X, max_time=max_time)
    grown = big["peak_memory_mb"] - big["model_size_bytes"] / 2**20
    assert grown >= 0.9 * 64
    assert big["peak_memory_mb"] - small["peak_memory_mb"] >= 0.9 * 63
    assert big["peak_memory_mb"] < 64 * 2  # the peak, not a sum over calls


@pytest.mark.parametrize("resident", [True, False])
def test_the_medians_are_of_what_was_timed(fake_clock, monkeypatch, resident):
    before, _ = _memory_path(monkeypatch, resident)
    X, y = _data()
    # the timed batches take 1, 3, 2 s in turn (after a 9 s traced call on
    # the tracemalloc path, which is not one of them): median 2 s
    durations = iter([9.0] * len(before) + [1.0, 3.0, 2.0])
    model = ClockedClassifier(seconds=type("Seconds", (dict,), {
        "__missing__": lambda self, rows: next(durations)})({1: 0.25}),
        clock=fake_clock).fit(X, y)
    prof = measure_profile(model, X, batch_size=100, max_time=1e6)
    assert model.calls_.count(100) == len(before) + 3
    assert prof["predict_latency_s_per_row"] == pytest.approx(2.0 / 100)
    assert prof["predict_latency_s_per_row_batch1"] == pytest.approx(0.25)


class Meeting(RecordingClassifier):
    """Allocates ``mb`` megabytes, frees them, says so, then waits (at most
    ``timeout`` seconds) for the other model's predict at ``barrier``."""

    def __init__(self, payload=0, mb=0, barrier=None, freed=None, timeout=1.0):
        super().__init__(payload)
        self.mb, self.barrier, self.freed, self.timeout = mb, barrier, freed, timeout

    def predict(self, X):
        if self.mb:
            np.ones(self.mb * 2**17)
            self.freed.set()
        try:
            self.barrier.wait(self.timeout)
        except threading.BrokenBarrierError:
            pass
        return super().predict(X)


def test_a_measurement_in_another_thread_does_not_reset_the_peak(monkeypatch):
    # Without the lock, the second measurement resets the high-water mark
    # after the first model freed its 64 MB and before the first one reads
    # it: the first would see no growth. With it, the second waits.
    from concurrent.futures import ThreadPoolExecutor

    _memory_path(monkeypatch, True)
    X, y = _data()
    barrier, freed = threading.Barrier(2), threading.Event()
    big = Meeting(mb=64, barrier=barrier, freed=freed).fit(X, y)
    small = Meeting(barrier=barrier, freed=freed).fit(X, y)

    def second():
        freed.wait(10)
        return measure_profile(small, X, max_time=0.0)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(measure_profile, big, X, max_time=0.0)
        pool.submit(second).result()
        prof = first.result()
    # (the models hold locks: no size, their peak is the growth alone)
    assert math.isnan(prof["model_size_bytes"])
    assert prof["peak_memory_mb"] >= 0.9 * 64


def test_evaluate_bounds_the_repeats_by_the_trial_time(monkeypatch):
    import sklearn_automl._evaluate as evaluate_module
    from sklearn_automl._profile import TRIAL_SHARE

    seen = {}
    real = evaluate_module.measure_profile

    def spy(est, X, **kw):
        seen.update(kw)
        return real(est, X, **kw)

    monkeypatch.setattr(evaluate_module, "measure_profile", spy)
    X, y = _data()
    res = evaluate(LogisticRegression(), X, y, list(KFold(3).split(X)),
                   get_scorer("accuracy"), latency_batch_size=50)
    assert seen["max_time"] == pytest.approx(
        TRIAL_SHARE * (res.fit_time + res.predict_time))
    assert seen["max_time"] > 0
    assert set(PROFILE_KEYS) <= set(res.profile)
