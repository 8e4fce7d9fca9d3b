"""Trials on a real dask.distributed LocalCluster (2 worker processes)."""

import logging
import pickle

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression

from sklearn_automl import AutoMLClassifier, DaskExecutor

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")


@pytest.fixture(scope="module")
def client():
    # A trial that kills its worker is reported at once, not retried elsewhere.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


class OnlyOnDask(ClassifierMixin, BaseEstimator):
    """Fits only inside a dask worker (raises elsewhere); ``fault`` as named."""

    def __init__(self, fault="none"):
        self.fault = fault

    def fit(self, X, y):
        import os

        distributed.get_worker()  # ValueError outside a worker
        if self.fault == "exit":
            os._exit(3)
        if self.fault == "spin":
            while True:
                pass
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        p = np.zeros((len(X), len(self.classes_)))
        p[:, 0] = 1
        return p


SEARCH = {
    "estimators": ["linear", "knn"], "max_trials": 8, "time_budget": None, "cv": 3,
    "random_state": 0,
}


def test_ordered_dask_search_equals_the_sequential_one(client, binary_data):
    X, y = binary_data
    seq = AutoMLClassifier(**SEARCH).fit(X, y)
    on_dask = AutoMLClassifier(executor=DaskExecutor(client, ordered=True), **SEARCH)
    on_dask.fit(X, y)
    got = [(t.trial_id, t.config, t.status) for t in on_dask.history_.trials]
    assert got == [(t.trial_id, t.config, t.status) for t in seq.history_.trials]
    for a, b in zip(on_dask.history_.trials, seq.history_.trials):
        np.testing.assert_allclose(a.scores, b.scores)
    assert on_dask.best_config_ == seq.best_config_
    np.testing.assert_allclose(on_dask.predict_proba(X), seq.predict_proba(X))


def test_client_as_executor_streams_results(client, binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(executor=client, **SEARCH).fit(X, y)
    assert clf.n_trials_ == 8
    assert {t.config["family"] for t in clf.history_.trials if t.ok} == {"linear", "knn"}
    # the estimator clones without copying the client (a live connection)
    assert clone(AutoMLClassifier(executor=DaskExecutor(client))).executor.client is client
    cloned = clone(AutoMLClassifier(executor=client, max_trials=3))
    assert cloned.executor is client and cloned.max_trials == 3
    # a fitted search pickles without its live connection
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.executor is None and clf.executor is client
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_joblib_dask_backend_is_honoured(client, binary_data):
    joblib = pytest.importorskip("joblib")
    X, y = binary_data
    est = [("good", LogisticRegression(), {}), ("dask_only", OnlyOnDask(), {})]
    kw = {"estimators": est, "max_trials": 4, "time_budget": None, "cv": 2}
    with joblib.parallel_config(backend="dask"):
        clf = AutoMLClassifier(**kw).fit(X, y)
    assert {t.family: t.status for t in clf.history_.trials}["dask_only"] == "ok"
    local = AutoMLClassifier(**kw).fit(X, y)
    assert {t.family: t.status for t in local.history_.trials}["dask_only"] == "failed"


def test_dead_and_hung_workers_become_crashed_and_timeout(client, binary_data):
    X, y = binary_data
    est = [
        ("good", LogisticRegression(), {}),
        ("exit", OnlyOnDask("exit"), {}),
        ("spin", OnlyOnDask("spin"), {}),
    ]
    clf = AutoMLClassifier(
        estimators=est, executor=client, max_trials=5, time_budget=None, cv=2,
        trial_timeout=2,
    ).fit(X, y)
    status = {t.family: t.status for t in clf.history_.trials}
    assert status == {"good": "ok", "exit": "crashed", "spin": "timeout"}
    # the cluster is usable afterwards
    assert client.submit(sum, [1, 2]).result(timeout=60) == 3


def test_time_budget_search_refits_its_ensemble_on_the_cluster(client, binary_data):
    """The refit reserve needs the cluster's workers, known only once it is
    started (this raised a TypeError before the engine read them lazily)."""
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=[("dask_only", OnlyOnDask(), {}), "linear"], executor=client,
        time_budget=20, max_trials=4, cv=2, random_state=0,
    ).fit(X, y)
    assert clf.n_trials_ == 4
    assert clf.phase_times_["refit"] >= 0 and clf.score(X, y) > 0.5


def test_trials_run_after_every_worker_holding_the_data_restarted(client, binary_data):
    """Restarting the workers loses the scattered data (as when the data was
    scattered while a worker restarted and its only holder then died): the
    executor scatters it again instead of failing every later trial."""
    from sklearn.metrics import get_scorer

    from sklearn_automl._splits import make_splits

    X, y = binary_data
    splits, _ = make_splits(X, y, 2, classification=True, seed=0)
    ex = DaskExecutor(client)
    ex.start(X, y, splits, get_scorer("accuracy"))
    try:
        first = ex._data
        client.restart_workers(list(client.scheduler_info()["workers"]))
        task = {"trial_id": 0, "estimator": LogisticRegression(), "params": {},
                "family": "linear", "config": {}, "deadline": None}
        ex.submit(task)
        (result,) = ex.collect()
        assert result.status == "ok", result.error
        assert ex._data is not first
    finally:
        ex.close()
