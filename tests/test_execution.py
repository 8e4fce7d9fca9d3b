"""Executors on their own: process workers, data shipped once, thread budget."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import StratifiedKFold

from sklearn_automl import AutoMLClassifier, _execution, _workers
from sklearn_automl._evaluate import evaluate
from sklearn_automl._execution import (
    ProcessExecutor,
    SequentialExecutor,
    make_executor,
)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 60))  # ~1 MB
    y = (X[:, 0] + rng.normal(size=2000) > 0).astype(int)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    return X, y, splits, get_scorer("roc_auc")


def _task(i, C=1.0, deadline=None):
    return {
        "estimator": LogisticRegression(C=C), "trial_id": i, "config": {"C": C},
        "family": "linear", "params": {"model__C": C}, "deadline": deadline,
        "n_threads": 1,
    }


def _run(executor, tasks):
    results, pending = [], list(tasks)
    while pending or executor.n_running:
        while pending and executor.n_running < executor.n_workers:
            executor.submit(pending.pop(0))
        results.extend(executor.collect())
    return sorted(results, key=lambda r: r.trial_id)


def test_process_executor_matches_in_process_evaluate(problem):
    X, y, splits, scorer = problem
    ex = ProcessExecutor(2)
    ex.start(X, y, splits, scorer, classes=np.array([0, 1]), subsample_seed=0)
    try:
        results = _run(ex, [_task(i, C=10.0**-i) for i in range(4)])
    finally:
        ex.close()
    for r in results:
        ref = evaluate(
            LogisticRegression(C=r.config["C"]), X, y, splits, scorer,
            classes=np.array([0, 1]), n_threads=1,
        )
        assert r.status == "ok"
        np.testing.assert_allclose(r.scores, ref.scores)
        np.testing.assert_allclose(r.oof, ref.oof)


def test_data_is_shipped_once_not_per_trial(problem, monkeypatch):
    X, y, splits, scorer = problem
    sizes = []
    original = _execution._dumps

    def spy(obj):
        data = original(obj)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(_execution, "_dumps", spy)  # the shared payload
    monkeypatch.setattr(_workers, "_dumps", spy)  # tasks and stops
    ex = ProcessExecutor(2)
    ex.start(X, y, splits, scorer, classes=np.array([0, 1]), subsample_seed=0)
    folder = ex._folder
    try:
        # one copy of the data on disk, memory-mapped by the workers
        files = os.listdir(folder)
        assert len(files) == 1
        assert os.path.getsize(os.path.join(folder, files[0])) >= X.nbytes
        _run(ex, [_task(i) for i in range(6)])
    finally:
        ex.close()
    # every message (scorer once, 6 tasks, 2 stops) is tiny next to the data
    assert len(sizes) == 9
    assert max(sizes) < X.nbytes / 50
    assert not os.path.exists(folder)  # the dump is removed on close


def test_a_task_past_its_deadline_is_a_timeout(problem):
    X, y, splits, scorer = problem
    ex = ProcessExecutor(1)
    ex.start(X, y, splits, scorer, classes=np.array([0, 1]), subsample_seed=0)
    try:
        (r,) = _run(ex, [_task(0, deadline=time.monotonic() - 1)])
    finally:
        ex.close()
    assert r.status == "timeout"


class _Ballast(LogisticRegression):
    """Holds 200 MB once fitted (a stand-in for a big forest)."""

    def fit(self, X, y):
        self.ballast_ = np.ones(25_000_000)
        return super().fit(X, y)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc")
def test_a_refit_model_comes_back_once_through_a_file_and_the_worker_frees_it(
        problem, monkeypatch):
    """A fitted model can be GBs (a forest on doctorcontacts). Over the pipe it
    was held up to four times at once (the worker's model and pickle, the
    parent's bytes and model), and the worker kept its two copies until its
    next task. Now it is streamed through a file of the data folder, which
    is removed once loaded, and the worker frees its copy once it is sent."""
    import cloudpickle

    X, y, splits, scorer = problem
    messages = []
    original = _execution._loads

    def spy(data):
        messages.append(len(data))
        return original(data)

    monkeypatch.setattr(_execution, "_loads", spy)
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)  # the worker cannot import tests/
    ex = ProcessExecutor(1)
    try:
        ex.start(X, y, splits, scorer, classes=np.array([0, 1]), subsample_seed=0)
        (warm,) = _run(ex, [_task(0)])  # imports and data: the worker's baseline
        pid = ex._workers[0].process.pid
        before = _execution._vm_bytes(pid, "RssAnon")
        (result,) = _run(ex, [{**_task(1), "estimator": _Ballast(), "refit": True}])
        after = _execution._vm_bytes(pid, "RssAnon")
        left = os.listdir(ex._folder)
    finally:
        ex.close()
        cloudpickle.unregister_pickle_by_value(module)
    assert warm.status == "ok" and result.status == "ok"
    assert result.estimator.ballast_.nbytes == 200_000_000  # the parent has it
    assert max(messages) < 2**20  # not through the pipe
    assert left == ["data.joblib"]  # the result's file is gone
    assert after - before < 50 * 2**20  # the worker does not keep it


def test_an_unreadable_result_file_fails_the_trial_not_the_worker(problem, monkeypatch):
    X, y, splits, scorer = problem

    def broken(self):
        raise EOFError("truncated")

    monkeypatch.setattr(_workers._ResultFile, "load", broken)
    ex = ProcessExecutor(1)
    try:
        ex.start(X, y, splits, scorer, classes=np.array([0, 1]), subsample_seed=0)
        (refit,) = _run(ex, [{**_task(0), "refit": True}])
        (trial,) = _run(ex, [_task(1)])  # the same worker goes on
    finally:
        ex.close()
    assert refit.status == "failed" and "result file unreadable" in refit.error
    assert trial.status == "ok"


def test_make_executor_choices():
    assert isinstance(make_executor(None, 1), SequentialExecutor)
    assert isinstance(make_executor(None, 2), ProcessExecutor)
    assert isinstance(make_executor(None, 1, memory_limit=2**30), ProcessExecutor)
    assert isinstance(make_executor("processes", 1), ProcessExecutor)
    assert make_executor("processes", 3).n_workers == 3
    seq = SequentialExecutor()
    assert make_executor(seq, 4) is seq
    with pytest.raises(ValueError, match="executor="):
        make_executor(object(), 1)


class _Recording(SequentialExecutor):
    """Runs trials in this process and keeps what each search task was given
    (the final refits run here too; they are not recorded)."""

    def __init__(self):
        super().__init__()
        self.tasks = []

    def submit(self, task):
        if not task.get("refit"):
            deadline = task["deadline"]
            self.tasks.append({
                "n_threads": task["n_threads"],
                "seconds_left": None if deadline is None else deadline - time.monotonic(),
                "at": time.monotonic(),
            })
        super().submit(task)


def _threads(n_jobs, X, y):
    """(trials in parallel, threads per trial) of a fit with ``n_jobs``.

    Threads per trial: what the task got (linear is no OpenMP family, so it
    takes them all); the refit of the single best pipeline runs on the threads
    of all the workers together.
    """
    ex = _Recording()
    clf = AutoMLClassifier(n_jobs=n_jobs, executor=ex, estimators=["linear"],
                           initial_configs=None,
                           ensemble_size=0, max_trials=1, time_budget=None, cv=2,
                           random_state=0).fit(X, y)
    (task,) = ex.tasks
    per_trial = task["n_threads"]
    assert clf.refit_n_threads_ % per_trial == 0
    return clf.refit_n_threads_ // per_trial, per_trial


@pytest.mark.parametrize(
    "n_jobs, expected", [(None, (1, 1)), (1, (1, 8)), (2, (2, 4)), (3, (3, 2)),
                         (-1, (8, 1)), (-2, (7, 1)), (16, (16, 1))],
)
def test_trials_times_threads_never_exceed_the_cores(binary_data, monkeypatch, n_jobs,
                                                     expected):
    import joblib

    # available_cores() asks joblib, which honours affinity and cgroup quotas
    monkeypatch.setattr(joblib, "cpu_count", lambda *args, **kwargs: 8)
    X, y = binary_data
    assert _threads(n_jobs, X, y) == expected


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="Linux CPU affinity")
@pytest.mark.skipif(hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) < 2,
                    reason="needs two cores to tell one from the machine's")
def test_threads_follow_the_cpu_affinity_not_the_machine():
    """Under taskset / a container's cpuset, n_jobs=-1 counts the allowed cores."""
    code = ("import os, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "sys.path.insert(0, 'tests'); "
            "from sklearn.datasets import make_classification; "
            "from test_execution import _threads; "
            "print(_threads(-1, *make_classification(60, random_state=0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)),
                         ).stdout.strip()
    assert out == "(1, 1)"


def test_invalid_executor_is_a_clear_error(binary_data):
    X, y = binary_data
    with pytest.raises(ValueError, match="executor"):
        AutoMLClassifier(executor="threads", max_trials=2).fit(X, y)


@pytest.mark.parametrize(
    "params, first, seconds",
    # "auto": a quarter of the budget once a trial has succeeded; the first
    # trial may use the search's time (the budget less the fallback's 10 %)
    [({"time_budget": 40}, 36.0, 10.0),
     ({"time_budget": None, "max_trials": 3}, None, None),  # "auto" without a budget
     ({"time_budget": 60, "trial_timeout": 7}, 7.0, 7.0),  # given: from the start
     ({"time_budget": None, "max_trials": 3, "trial_timeout": 7}, 7.0, 7.0)],
)
def test_trial_timeout_auto_is_a_share_of_the_budget(binary_data, params, first,
                                                     seconds):
    """Each task's deadline is trial_timeout seconds after it is handed out."""
    X, y = binary_data
    ex = _Recording()
    start = time.monotonic()
    AutoMLClassifier(**{"max_trials": 3, **params}, executor=ex, estimators=["linear"],
                     cv=2, random_state=0).fit(X, y)
    assert len(ex.tasks) == 3
    for i, task in enumerate(ex.tasks):
        expected = first if i == 0 else seconds
        if expected is None:
            assert task["seconds_left"] is None
        elif i == 0 and "trial_timeout" not in params:
            # the search's time left: 36 s from the start of fit, not from now
            expected -= task["at"] - start
            assert expected - 0.1 <= task["seconds_left"] <= expected + 1.0
        else:
            assert task["seconds_left"] == pytest.approx(expected, abs=1.0)


def test_trial_timeout_auto_applies_at_once_to_families_that_stop_early(binary_data):
    """They stop in time (as an early stop) and are scored: no first-trial grace."""
    X, y = binary_data
    ex = _Recording()
    AutoMLClassifier(max_trials=2, time_budget=40, executor=ex, estimators=["lightgbm"],
                     cv=2, random_state=0).fit(X, y)
    assert len(ex.tasks) == 2
    for task in ex.tasks:  # the first one too (other families: 36 s, see above)
        assert task["seconds_left"] == pytest.approx(10.0, abs=1.0)


@pytest.mark.parametrize("schedule", ["successive_halving", "asha"])
def test_parallel_workers_drive_multi_fidelity_schedules(binary_data, schedule):
    """Schedulers that wait for promotions (next_job() -> None) with 2 workers."""
    X, y = binary_data
    clf = AutoMLClassifier(
        estimators=["linear", "knn"], max_trials=13, schedule=schedule, n_jobs=2,
        time_budget=None, cv=3, random_state=0,
    ).fit(X, y)
    assert clf.n_trials_ == 13
    assert sorted(t.trial_id for t in clf.history_.trials) == list(range(13))
    fidelities = {t.fidelity for t in clf.history_.trials}
    assert len(fidelities) > 1  # configurations were promoted
    assert clf.history_.trials[clf.best_index_].fidelity == max(fidelities)


def test_mixed_dataframe_in_worker_processes(mixed_frame):
    """A DataFrame (strings, categories, NaN, nullable ints) memory-mapped by workers."""
    X, y = mixed_frame
    kw = {"max_trials": 4, "time_budget": None, "cv": 3, "random_state": 0,
          "estimators": ["linear", "lightgbm"]}
    seq = AutoMLClassifier(**kw).fit(X, y)
    par = AutoMLClassifier(n_jobs=2, **kw).fit(X, y)
    assert all(t.status == "ok" for t in par.history_.trials)
    by_id = {t.trial_id: t for t in seq.history_.trials}
    for t in par.history_.trials:
        np.testing.assert_allclose(t.scores, by_id[t.trial_id].scores)


def test_data_folder_of_a_killed_search_is_removed_by_the_next(problem, tmp_path,
                                                               monkeypatch):
    import subprocess
    import sys
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{_execution._FOLDER_PREFIX}{dead.pid}_abc"
    stale.mkdir()
    (stale / "data.joblib").write_bytes(b"x")
    alive = tmp_path / f"{_execution._FOLDER_PREFIX}{os.getpid()}_abc"
    alive.mkdir()
    X, y, splits, scorer = problem
    ex = ProcessExecutor(1)
    ex.start(X, y, splits, scorer, classes=np.array([0, 1]), subsample_seed=0)
    ex.close()
    assert not stale.exists() and alive.exists()


@pytest.mark.skipif(sys.version_info < (3, 11) or not hasattr(os, "fork"),
                    reason="PYTHONSAFEPATH is Python 3.11+; the fork server is POSIX")
def test_workers_import_the_parents_package_not_the_current_directorys(tmp_path):
    # the fork server is started with `python -c`: its path began with the
    # current directory, so a folder there named like the package (a checkout
    # of another version) was what the workers imported and ran
    fake = tmp_path / "cwd" / "sklearn_automl"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("FAKE = True\n")
    script = tmp_path / "search.py"
    script.write_text(
        "import os, sys\n"
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import get_scorer\n"
        "from sklearn_automl._execution import ProcessExecutor\n"
        "class Probe(LogisticRegression):\n"  # sent by value: records the worker's package
        "    def fit(self, X, y):\n"
        "        import sklearn_automl\n"
        "        with open(os.environ['PROBE_OUT'], 'a') as f:\n"
        "            f.write(f'{os.getpid()} {sklearn_automl.__file__}\\n')\n"
        "        return super().fit(X, y)\n"
        "rng = np.random.RandomState(0)\n"
        "X = rng.normal(size=(60, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "splits = [(np.arange(30), np.arange(30, 60))]\n"
        "ex = ProcessExecutor(2)\n"
        "ex.start(X, y, splits, get_scorer('accuracy'), classes=np.array([0, 1]),\n"
        "         subsample_seed=0)\n"
        "for i in range(2):\n"
        "    ex.submit({'estimator': Probe(), 'trial_id': i, 'config': {}, 'family': 'p',\n"
        "               'params': {}, 'deadline': None, 'n_threads': 1})\n"
        "results = []\n"
        "while len(results) < 2:\n"
        "    results += ex.collect()\n"
        "ex.close()\n"
        "print(sorted(r.status for r in results))\n"
    )
    probe = tmp_path / "probe.txt"
    root = os.path.dirname(os.path.dirname(_execution.__file__))
    env = {**os.environ, "PYTHONPATH": root, "PROBE_OUT": str(probe)}
    env.pop("PYTHONSAFEPATH", None)
    out = subprocess.run([sys.executable, str(script)], cwd=fake.parent, env=env, check=False,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "['ok', 'ok']"
    files = {line.split(" ", 1)[1] for line in probe.read_text().splitlines()}
    assert files == {os.path.join(root, "sklearn_automl", "__init__.py")}
