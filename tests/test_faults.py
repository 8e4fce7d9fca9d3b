"""Faulty trials in worker processes: hangs, memory hogs, crashes, errors, Ctrl-C."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import MajorityClassifier
from sklearn.linear_model import LogisticRegression

from sklearn_automl import AutoMLClassifier

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or not os.path.exists("/proc/self/status"),
    reason="process-based fault isolation needs Linux",
)


class FaultyClassifier(MajorityClassifier):
    """A classifier whose ``fit`` misbehaves as told by ``fault``.

    ``"none"``: a majority-class model; ``"hang"``: blocks in a way SIGALRM
    cannot stop (signals blocked, as inside a long C call); ``"spin"``: a
    Python busy loop; ``"allocate"``: 4 GB at once; ``"grow"``: 20 MB chunks
    until killed; ``"exit"``: ``os._exit``; ``"segfault"``; ``"sigkill"``;
    ``"raise"``: a ValueError.
    """

    def __init__(self, fault="none"):
        self.fault = fault

    def fit(self, X, y):
        fault = self.fault
        if fault == "hang":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(600)
        elif fault == "spin":
            while True:
                pass
        elif fault == "allocate":
            self.junk_ = np.ones(2**29)  # 4 GiB
        elif fault == "grow":
            self.junk_ = [np.ones(2**21 + k) for k in range(400)]  # 16 MB each
        elif fault == "exit":
            os._exit(3)
        elif fault == "segfault":
            import ctypes

            ctypes.string_at(0)
        elif fault == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif fault == "raise":
            raise ValueError("deliberate error")
        return super().fit(X, y)


def _estimators(*faults):
    return [("good", LogisticRegression(), {})] + [
        (f, FaultyClassifier(f), {}) for f in faults
    ]


def _status(clf):
    return {t.family: t.status for t in clf.history_.trials}


def test_each_fault_is_recorded_and_the_search_goes_on(binary_data):
    X, y = binary_data
    faults = ["hang", "spin", "allocate", "grow", "exit", "segfault", "sigkill", "raise"]
    clf = AutoMLClassifier(
        estimators=_estimators(*faults), n_jobs=2, time_budget=None, max_trials=20,
        cv=2,
        trial_timeout=4, trial_memory_limit=300, random_state=0,
    ).fit(X, y)
    status = _status(clf)
    assert status == {
        "good": "ok", "hang": "timeout", "spin": "timeout", "allocate": "memory",
        "grow": "memory", "exit": "crashed", "segfault": "crashed",
        "sigkill": "crashed", "raise": "failed",
    }
    errors = {t.family: t.error for t in clf.history_.trials}
    assert "SIGSEGV" in errors["segfault"] and "code 3" in errors["exit"]
    assert "killed" in errors["hang"]  # SIGALRM could not stop it: the worker was
    assert clf.best_family_ == "good"
    assert clf.score(X, y) > 0.8
    assert set(clf.leaderboard_["status"]) == set(status.values())


def test_hung_trial_is_killed_at_the_time_budget(binary_data):
    """Without trial_timeout, the budget's deadline kills the hung trial."""
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=_estimators("hang"), n_jobs=2, time_budget=4, cv=2,
        trial_timeout=None, random_state=0,
    ).fit(X, y)
    assert _status(clf) == {"good": "ok", "hang": "timeout"}
    # fit returned instead of waiting on the 600 s hang
    assert clf.search_time_ < 60


def test_memory_limit_alone_isolates_a_sequential_search(binary_data):
    """trial_memory_limit without n_jobs runs trials in one worker process."""
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=_estimators("allocate", "exit"), time_budget=None, max_trials=20,
        cv=2,
        trial_memory_limit=300, random_state=0,
    ).fit(X, y)
    assert _status(clf) == {"good": "ok", "allocate": "memory", "exit": "crashed"}


def test_executor_processes_with_one_worker_survives_a_crash(binary_data):
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=_estimators("segfault"), executor="processes", max_trials=5,
        cv=2, random_state=0,
    ).fit(X, y)
    assert _status(clf) == {"good": "ok", "segfault": "crashed"}


def test_parallel_search_matches_sequential_one(binary_data):
    """Random search: the same trials and scores whatever n_jobs."""
    X, y = binary_data
    kw = {
        "estimators": ["linear", "knn"], "max_trials": 6, "time_budget": None,
        "cv": 3, "random_state": 0,
    }
    seq = AutoMLClassifier(**kw).fit(X, y)
    par = AutoMLClassifier(n_jobs=2, **kw).fit(X, y)
    by_id = {t.trial_id: t for t in par.history_.trials}
    for t in seq.history_.trials:
        assert by_id[t.trial_id].config == t.config
        np.testing.assert_allclose(by_id[t.trial_id].scores, t.scores)
        np.testing.assert_allclose(by_id[t.trial_id].oof, t.oof)
    assert par.best_config_ == seq.best_config_


@pytest.fixture
def sigint_raises():
    """Ctrl-C raises KeyboardInterrupt, as in an interactive Python.

    A process started in the background by a non-interactive shell inherits
    SIGINT as ignored, and Python then leaves it ignored; the tests must not
    depend on how the test runner was started.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_keyboard_interrupt_keeps_the_trials_done(binary_data, sigint_raises):
    """A real SIGINT raised in the middle of the search (from a callback)."""
    X, y = binary_data
    seen = []

    def interrupt_after_three(result):
        seen.append(result.trial_id)
        if len(seen) == 3:
            signal.raise_signal(signal.SIGINT)

    with pytest.warns(UserWarning, match="interrupted"):
        clf = AutoMLClassifier(
            estimators=["linear", "knn"], max_trials=50, time_budget=None, cv=2,
            n_jobs=2, callbacks=[interrupt_after_three], random_state=0,
        ).fit(X, y)
    assert clf.n_trials_ == 3
    assert clf.predict(X).shape == (len(X),)


def test_sigint_to_a_sequential_fit_in_a_subprocess(tmp_path):
    """Ctrl-C (SIGINT from outside) while a trial runs: a fitted model is kept."""
    script = tmp_path / "run.py"
    marker = tmp_path / "started"
    script.write_text(textwrap.dedent(f"""
        import pickle, signal, time, warnings
        # Ctrl-C raises even when SIGINT was inherited as ignored (background).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from sklearn.base import BaseEstimator, ClassifierMixin
        from sklearn.datasets import make_classification
        from sklearn.linear_model import LogisticRegression
        from sklearn_automl import AutoMLClassifier

        class Slow(ClassifierMixin, BaseEstimator):
            def fit(self, X, y):
                open({str(marker)!r}, "w").close()
                time.sleep(600)

        X, y = make_classification(n_samples=100, random_state=0)
        clf = AutoMLClassifier(
            estimators=[("good", LogisticRegression(), {{}}), ("slow", Slow(), {{}})],
            time_budget=None, max_trials=5, cv=2, random_state=0,
        )
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            clf.fit(X, y)
        print("families", [t.family for t in clf.history_.trials])
        print("warned", any("interrupted" in str(x.message) for x in w))
        print("score", clf.score(X, y))
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    )
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), proc.stderr.read() if proc.poll() is not None else ""
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "families ['good']" in out
    assert "warned True" in out


def test_resident_memory_watchdog_kills_the_worker():
    """The watchdog alone (no address-space limit involved): a process whose
    anonymous resident memory grew past the limit is killed -> "memory"."""
    from sklearn_automl._execution import ProcessExecutor, _vm_bytes

    code = "import time; b = bytearray(300 * 2**20); print(1, flush=True); time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        child.stdout.readline()  # the 300 MB are allocated and touched

        class Stub:  # the parts of a worker the watchdog uses
            class process:
                pid = child.pid

                @staticmethod
                def join(timeout=None):
                    child.wait(timeout)

            class conn:
                @staticmethod
                def close():
                    pass

            def __init__(self):
                self.task = {"trial_id": 7, "config": {}, "family": "x", "params": {}}
                self.started = time.monotonic()

            def kill(self):
                os.kill(child.pid, signal.SIGKILL)
                child.wait(10)

        ex = ProcessExecutor(1, memory_limit=100 * 2**20)
        ex._baseline[child.pid] = 0  # as if measured before the trial
        assert _vm_bytes(child.pid, "RssAnon") > 100 * 2**20
        out = []
        ex._check_memory(Stub(), out)
        assert child.poll() == -signal.SIGKILL
        (result,) = out
        assert result.status == "memory" and result.trial_id == 7
        assert "over the limit of 100 MB" in result.error
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
