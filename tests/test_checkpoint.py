"""Checkpoint and resume: the trial log, its damage, and a real SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from sklearn_automl import AutoMLClassifier
from sklearn_automl._checkpoint import LOG, SUMMARY, Checkpoint
from sklearn_automl._history import History, TrialResult
from sklearn_automl.search import RandomSearch

SEARCH = {"estimators": ["linear", "knn"], "time_budget": None, "cv": 3}


def _trials(clf):
    return [(t.trial_id, t.config, t.status, t.mean_score) for t in clf.history_.trials]


def _same_trials(a, b):
    assert [t[:3] for t in a] == [t[:3] for t in b]
    np.testing.assert_allclose([t[3] for t in a], [t[3] for t in b])


def test_log_round_trip_and_atomic_summary(tmp_path):
    ck = Checkpoint(tmp_path / "ck", {"data": {"hash": "x"}}, seed=3).open()
    res = TrialResult(
        4, {"family": "knn", "knn__n_neighbors": np.int64(7), "t": (1, 2)}, "knn",
        {"model__n_neighbors": 7}, "ok", scores=np.array([0.5, 0.7]), mean_score=0.6,
        std_score=0.1, fit_time=1.5, oof=np.zeros(3, dtype=np.float32),
    )
    ck.append(res, issued_after=2)
    history = History()
    history.append(res)
    ck.write_summary(history)
    ck.close()
    records = Checkpoint(tmp_path / "ck", {"data": {"hash": "x"}}).load()
    assert len(records) == 1 and records[0]["issued_after"] == 2
    back = Checkpoint.result(records[0])
    assert back.config == res.config  # exact types: tuples stay tuples
    assert back.params == res.params and back.oof is None
    np.testing.assert_array_equal(back.scores, res.scores)
    assert back.mean_score == 0.6 and back.fit_time == 1.5
    summary = json.loads((tmp_path / "ck" / SUMMARY).read_text())
    assert summary["n_trials"] == 1 and summary["best"]["trial_id"] == 4
    assert not list((tmp_path / "ck").glob("*.tmp"))
    assert Checkpoint.stored_seed(tmp_path / "ck") == 3


def test_truncated_last_line_is_dropped_with_a_warning(tmp_path, binary_data):
    X, y = binary_data
    path = tmp_path / "ck"
    first = AutoMLClassifier(max_trials=4, checkpoint=path, random_state=0, **SEARCH)
    first.fit(X, y)
    log = path / LOG
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    calls = []
    with pytest.warns(UserWarning, match="truncated or corrupt"):
        again = AutoMLClassifier(
            max_trials=4, checkpoint=path, random_state=0,
            callbacks=[calls.append], **SEARCH,
        ).fit(X, y)
    # only the damaged trial ran again, and the search is the same
    assert [r.trial_id for r in calls] == [first.history_.trials[-1].trial_id]
    _same_trials(_trials(again), _trials(first))
    # the damaged line was cut and the trial logged again: every line parses
    assert all(json.loads(line) for line in log.read_bytes().splitlines())


def test_corrupt_middle_line_is_an_error(tmp_path, binary_data):
    X, y = binary_data
    path = tmp_path / "ck"
    AutoMLClassifier(max_trials=3, checkpoint=path, random_state=0, **SEARCH).fit(X, y)
    log = path / LOG
    lines = log.read_bytes().splitlines(keepends=True)
    lines[1] = b"{garbage\n"
    log.write_bytes(b"".join(lines))
    with pytest.raises(ValueError, match="corrupt at line 2"):
        AutoMLClassifier(max_trials=3, checkpoint=path, random_state=0, **SEARCH).fit(
            X, y
        )


def test_checkpoint_of_another_dataset_or_space_is_refused(tmp_path, binary_data):
    X, y = binary_data
    path = tmp_path / "ck"
    AutoMLClassifier(max_trials=2, checkpoint=path, random_state=0, **SEARCH).fit(X, y)
    X2 = X.copy()
    X2[0, 0] += 1
    with pytest.raises(ValueError, match="another dataset"):
        AutoMLClassifier(max_trials=2, checkpoint=path, random_state=0, **SEARCH).fit(
            X2, y
        )
    with pytest.raises(ValueError, match="another search space"):
        AutoMLClassifier(
            max_trials=2, checkpoint=path, random_state=0, time_budget=None, cv=3,
            estimators=["linear", "random_forest"],
        ).fit(X, y)


@pytest.mark.parametrize("schedule", [None, "asha"])
def test_resume_continues_the_search_without_rerunning(tmp_path, binary_data, schedule):
    """Resuming a finished 5-trial search to 10 trials = one 10-trial search."""
    X, y = binary_data
    kw = dict(SEARCH, search="bayesian", schedule=schedule)
    whole = AutoMLClassifier(max_trials=10, random_state=1, **kw).fit(X, y)
    path = tmp_path / "ck"
    AutoMLClassifier(max_trials=5, checkpoint=path, random_state=1, **kw).fit(X, y)
    calls = []
    resumed = AutoMLClassifier(
        max_trials=10, checkpoint=path, random_state=1, callbacks=[calls.append], **kw
    ).fit(X, y)
    assert [r.trial_id for r in calls] == list(range(5, 10))
    _same_trials(_trials(resumed), _trials(whole))
    assert resumed.best_config_ == whole.best_config_
    assert all(t.oof is None for t in resumed.history_.trials[:5])
    summary = json.loads((path / SUMMARY).read_text())
    assert summary["finished"] and summary["n_trials"] == 10


def test_seed_is_stored_when_random_state_is_none(tmp_path, binary_data):
    X, y = binary_data
    path = tmp_path / "ck"
    first = AutoMLClassifier(max_trials=3, checkpoint=path, **SEARCH).fit(X, y)
    calls = []
    again = AutoMLClassifier(
        max_trials=5, checkpoint=path, callbacks=[calls.append], **SEARCH
    ).fit(X, y)
    assert [r.trial_id for r in calls] == [3, 4]
    _same_trials(_trials(again)[:3], _trials(first))


def test_sigkill_mid_search_then_resume(tmp_path, binary_data):
    """A real SIGKILL of a searching process; the restart loses nothing finished."""
    path = tmp_path / "ck"
    script = tmp_path / "search.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from sklearn.datasets import make_classification
        from sklearn_automl import AutoMLClassifier

        def slow_down(result):
            time.sleep(0.3)  # keep the search busy so the kill lands mid-run

        X, y = make_classification(n_samples=200, n_features=6, random_state=0)
        AutoMLClassifier(
            max_trials=12, checkpoint={str(path)!r}, random_state=2,
            estimators=["linear", "knn"], time_budget=None, cv=3, n_jobs=int(sys.argv[1]),
            callbacks=[slow_down],
        ).fit(X, y)
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, str(script), "2"], env=env,
                            stderr=subprocess.PIPE)
    log = path / LOG
    try:
        for _ in range(600):
            if log.exists() and len(log.read_bytes().splitlines()) >= 5:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    done = {json.loads(line)["trial_id"] for line in log.read_bytes().splitlines()[1:]}
    assert 4 <= len(done) < 12

    X, y = binary_data
    calls = []
    resumed = AutoMLClassifier(
        max_trials=12, checkpoint=path, random_state=2, estimators=["linear", "knn"],
        time_budget=None, cv=3, callbacks=[calls.append],
    ).fit(X, y)
    assert not {r.trial_id for r in calls} & done  # finished trials not re-run
    assert {t.trial_id for t in resumed.history_.trials} == set(range(12))
    whole = AutoMLClassifier(
        max_trials=12, random_state=2, estimators=["linear", "knn"], time_budget=None,
        cv=3,
    ).fit(X, y)
    # random search: the same configurations, wherever the kill landed
    assert sorted((t.trial_id, str(t.config)) for t in resumed.history_.trials) == \
        sorted((t.trial_id, str(t.config)) for t in whole.history_.trials)


class UnseededSearch(RandomSearch):
    """Ignores its seed: proposals cannot be replayed."""

    def _setup(self):
        self.rng_ = np.random.RandomState()


def test_unreplayable_searcher_keeps_the_logged_trials(tmp_path, binary_data):
    X, y = binary_data
    path = tmp_path / "ck"
    kw = dict(SEARCH, search=UnseededSearch(initial_configs=[]), random_state=0)
    first = AutoMLClassifier(max_trials=4, checkpoint=path, **kw).fit(X, y)
    with pytest.warns(UserWarning, match="could not be replayed"):
        again = AutoMLClassifier(max_trials=7, checkpoint=path, **kw).fit(X, y)
    trials = again.history_.trials
    assert [t.trial_id for t in trials] == list(range(7))
    _same_trials(_trials(again)[:4], _trials(first))
    keys = {str(sorted(t.config.items())) for t in trials}
    assert len(keys) == 7  # logged configurations are not proposed again
