"""The fallback baseline is stopped at the budget in every thread (issue 18)."""

import multiprocessing
import signal
import threading
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from conftest import MajorityClassifier
from sklearn_automl import AutoMLClassifier
from sklearn_automl._isolation import KILL_GRACE, fit_bounded, fit_isolated

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"),
                                reason="needs POSIX signals and processes")


class ForeverClassifier(MajorityClassifier):
    """A fit that never ends by itself (module level: the workers import it)."""

    def fit(self, X, y):
        threading.Event().wait(3600)
        return super().fit(X, y)


class FoldsHangClassifier(MajorityClassifier):
    """Hangs on fewer than 40 rows (a trial's folds), fits all 40 (the fallback)."""

    def fit(self, X, y):
        if len(X) < 40:
            threading.Event().wait(3600)
        return super().fit(X, y)


class BadFitClassifier(MajorityClassifier):
    def fit(self, X, y):
        raise ValueError("bad column 'x'")


def _in_thread(function, timeout):
    """``(value or exception, seconds)`` of ``function()`` run in a daemon thread."""
    out = {}

    def run():
        start = time.monotonic()
        try:
            out["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            out["value"] = exc
        out["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=timeout)
    assert not thread.is_alive(), f"still running after {timeout}s"
    return out["value"], out["seconds"]


def _isolated_children():
    return [p for p in multiprocessing.active_children()
            if p.name == "sklearn_automl-isolated-fit"]


X = np.random.default_rng(0).normal(size=(40, 3))
Y = np.arange(40) % 2


@pytest.mark.parametrize("where", ["main", "thread"])
def test_fit_bounded_stops_a_fit_that_never_ends(where):
    def call():
        return fit_bounded(ForeverClassifier(), X, Y, seconds=0.2, what="The probe")

    if where == "main":
        start = time.monotonic()
        with pytest.raises(TimeoutError, match="The probe did not finish its fit"):
            call()
        seconds = time.monotonic() - start
    else:
        error, seconds = _in_thread(call, timeout=120)
        assert isinstance(error, TimeoutError), error
        assert "The probe did not finish its fit" in str(error)
    assert seconds >= 0.2 + KILL_GRACE - 0.1  # it had its time
    assert not _isolated_children()


def test_fit_isolated_returns_the_fit_or_its_error():
    est = LogisticRegression()
    fitted = fit_isolated(est, X, Y, seconds=30)
    assert not hasattr(est, "coef_")  # fitted in the child, a copy comes back
    np.testing.assert_array_equal(fitted.predict(X), LogisticRegression().fit(X, Y)
                                  .predict(X))
    with pytest.raises(ValueError, match="bad column 'x'"):
        fit_isolated(BadFitClassifier(), X, Y, seconds=30)
    assert not _isolated_children()


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_a_hung_fallback_does_not_block_fit_in_a_thread(n_jobs):
    # no trial can finish, so the fallback (the only family) is fitted, and
    # hangs too: without SIGALRM in a thread it used to block fit for good
    model = AutoMLClassifier(estimators=[("hang", ForeverClassifier(), {})],
                             time_budget=2, max_trials=1, trial_timeout=0.5, cv=2,
                             n_jobs=n_jobs, random_state=0)
    with pytest.warns(UserWarning, match="No trial finished"):
        error, seconds = _in_thread(lambda: model.fit(X, Y), timeout=180)
    assert isinstance(error, TimeoutError), error
    assert "The fallback baseline (hang) did not finish" in str(error)
    assert seconds < 180  # loosely: twice the budget (2 s) plus process starts
    assert not _isolated_children()


def test_a_fallback_that_finishes_in_a_thread_is_the_model():
    model = AutoMLClassifier(estimators=[("folds", FoldsHangClassifier(), {})],
                             time_budget=2, max_trials=1, trial_timeout=0.5, cv=2,
                             random_state=0)
    with pytest.warns(UserWarning, match="No trial finished"):
        fitted, _ = _in_thread(lambda: model.fit(X, Y), timeout=180)
    assert fitted is model, fitted
    assert [t.status for t in model.history_.trials] == ["timeout"]
    assert model.best_family_ == "folds" and model.best_index_ is None
    # fitted in the child process on all 40 rows, back as the final model
    np.testing.assert_array_equal(model.predict(X), np.zeros(40))
    assert not _isolated_children()
