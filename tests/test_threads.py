"""fit from a thread other than the main one keeps its budget (no SIGALRM there)."""

import signal
import threading

import numpy as np
import pytest
from conftest import MajorityClassifier
from sklearn.linear_model import LogisticRegression

from sklearn_automl import AutoMLClassifier
from sklearn_automl._execution import (
    ProcessExecutor,
    SequentialExecutor,
    make_executor,
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"),
                                reason="trial interrupts need POSIX")


class HangingClassifier(MajorityClassifier):
    """A fit that blocks for a minute, then fails (it should be stopped first)."""

    def fit(self, X, y):
        threading.Event().wait(60)
        raise RuntimeError("the hanging trial was not stopped")


def _in_thread(function):
    out = {}

    def run():
        try:
            out["value"] = function()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "fit in a thread did not return"
    if "error" in out:
        raise out["error"]
    return out["value"]


def test_default_executor_isolates_trials_outside_the_main_thread():
    assert isinstance(make_executor(None, 1), SequentialExecutor)
    assert isinstance(_in_thread(lambda: make_executor(None, 1)), ProcessExecutor)
    # asked for explicitly, the sequential executor stays
    assert isinstance(_in_thread(lambda: make_executor("sequential", 1)),
                      SequentialExecutor)


def test_hanging_trial_is_stopped_when_fit_runs_in_a_thread():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), np.arange(60) % 2
    model = AutoMLClassifier(
        estimators=[("good", LogisticRegression(), {}),
                    ("hang", HangingClassifier(), {})],
        time_budget=30, max_trials=2, trial_timeout=2, cv=2, n_jobs=None,
        random_state=0,
    )
    _in_thread(lambda: model.fit(X, y))
    status = {t.family: t.status for t in model.history_.trials}
    # in the thread itself it would block for its minute, then fail
    assert status == {"good": "ok", "hang": "timeout"}, model.history_.trials
    assert model.predict(X).shape == (60,)
