"""No orphans, no leaks: worker processes, threads, files and memory.

After SIGKILL of the process that runs a parallel search its workers exit
and the next search removes the data folder it left; Ctrl-C leaves no
worker; repeated fits in one process keep threads, file descriptors and
child processes constant. ``benchmarks/process_hygiene.py`` measures the
same over 50 fits and repeated kills.
"""

import glob
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

import numpy as np
import pytest
from conftest import MajorityClassifier
from sklearn.linear_model import LogisticRegression

from sklearn_automl import AutoMLClassifier
from sklearn_automl._execution import ProcessExecutor

psutil = pytest.importorskip("psutil")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="process checks need Linux")


class SlowClassifier(MajorityClassifier):
    """Writes ``marker`` when its fit starts, then sleeps (a long trial)."""

    def __init__(self, marker=""):
        self.marker = marker

    def fit(self, X, y):
        open(self.marker, "w").close()
        time.sleep(300)
        return super().fit(X, y)


def _wait_for(condition, seconds):
    """Poll ``condition`` until it holds or ``seconds`` pass; its last value."""
    end = time.monotonic() + seconds
    while not (ok := condition()) and time.monotonic() < end:
        time.sleep(0.1)
    return ok


def _alive(processes):
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def _workers():
    """Worker processes of this process's searches (children of its fork server)."""
    me = psutil.Process()
    return [p for p in me.children(recursive=True)
            if p.ppid() != me.pid and p.is_running()
            and p.status() != psutil.STATUS_ZOMBIE]


def test_sigkill_of_the_parent_leaves_no_worker_and_no_data_folder(tmp_path):
    marker = tmp_path / "started"
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        import time
        import numpy as np
        from sklearn.dummy import DummyClassifier
        from sklearn.linear_model import LogisticRegression
        from sklearn_automl import AutoMLClassifier

        class Slow(DummyClassifier):
            def fit(self, X, y):
                open({str(marker)!r}, "w").close()
                time.sleep(300)

        rng = np.random.default_rng(0)
        X, y = rng.normal(size=(60, 3)), np.arange(60) % 2
        AutoMLClassifier(
            estimators=[("slow", Slow(), {{}}), ("good", LogisticRegression(), {{}})],
            time_budget=None, max_trials=2, cv=2, n_jobs=2, random_state=0,
            initial_configs=None,
        ).fit(X, y)
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, str(script)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert _wait_for(lambda: marker.exists() or proc.poll() is not None, 120)
        assert proc.poll() is None, proc.stderr.read()
        descendants = psutil.Process(proc.pid).children(recursive=True)
        folders = glob.glob(os.path.join(
            tempfile.gettempdir(), f"sklearn_automl_data_{proc.pid}_*"))
        assert len(descendants) >= 3 and folders  # fork server + 2 workers
        proc.kill()
        proc.wait(timeout=10)
        assert _wait_for(lambda: not _alive(descendants), 10), _alive(descendants)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    # the next search's executor removes the folder of the killed one
    assert all(os.path.isdir(f) for f in folders)
    executor = ProcessExecutor(1)
    executor.start(np.zeros((4, 1)), np.arange(4) % 2, [], None)
    executor.close()
    assert not any(os.path.exists(f) for f in folders)


@pytest.fixture
def sigint_raises():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_keyboard_interrupt_with_two_jobs_leaves_no_worker(tmp_path, sigint_raises):
    marker = tmp_path / "started"
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2

    def interrupt_once_a_slow_trial_runs():
        if _wait_for(marker.exists, 120):  # to the main thread, as Ctrl-C is
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    watcher = threading.Thread(target=interrupt_once_a_slow_trial_runs, daemon=True)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):  # no trial finished: nothing to refit
        AutoMLClassifier(
            estimators=[("slow", SlowClassifier(str(marker)), {})],
            time_budget=None, max_trials=3, cv=2, n_jobs=2, random_state=0,
        ).fit(X, y)
    watcher.join()
    assert _wait_for(lambda: not _workers(), 10), _workers()


def test_repeated_fits_keep_threads_files_and_children_constant():
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    me = psutil.Process()

    def fit(n_jobs):
        AutoMLClassifier(
            estimators=[("logistic", LogisticRegression(), {}), "lightgbm"],
            time_budget=None, max_trials=2, cv=2, n_jobs=n_jobs, random_state=0,
        ).fit(X, y)
        return me.num_threads(), me.num_fds(), len(_workers()), me.memory_info().rss

    for n_jobs, repeats in ((None, 4), (2, 2)):
        first = fit(n_jobs)  # warm: imports, thread pools, the fork server
        counts = [fit(n_jobs) for _ in range(repeats)]
        assert {c[:3] for c in counts} == {first[:3]}, (first, counts)
        assert first[2] == 0  # no worker outlives its search
        assert counts[-1][3] - first[3] < 50 * 2**20  # RSS: noise, not growth
