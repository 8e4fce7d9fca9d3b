"""Observability: progress bar, per-trial log lines, callbacks that stop."""

import logging

import pytest

from sklearn_automl import AutoMLClassifier, StopSearch, TrialResult

FAST = {"estimators": ["linear", "knn"], "time_budget": None, "cv": 2, "random_state": 0}


def test_verbose_1_draws_a_progress_bar_on_stderr(binary_data, capsys):
    pytest.importorskip("tqdm")
    X, y = binary_data
    AutoMLClassifier(max_trials=4, verbose=1, **FAST).fit(X, y)
    err = capsys.readouterr().err
    assert "sklearn_automl" in err and "4/4" in err and "best=" in err


def test_verbose_1_with_a_budget_shows_time_left(binary_data, capsys):
    pytest.importorskip("tqdm")
    X, y = binary_data
    kw = dict(FAST, time_budget=30)
    AutoMLClassifier(max_trials=3, verbose=1, **kw).fit(X, y)
    assert "left=" in capsys.readouterr().err


def test_verbose_2_logs_a_line_per_trial_and_prints_nothing(binary_data, caplog, capsys):
    X, y = binary_data
    with caplog.at_level(logging.INFO, logger="sklearn_automl"):
        AutoMLClassifier(max_trials=5, verbose=2, n_jobs=2, **FAST).fit(X, y)
    lines = [r for r in caplog.records if r.getMessage().startswith("trial ")]
    assert len(lines) == 5
    assert all(r.name == "sklearn_automl" for r in lines)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_callbacks_see_every_trial_result(binary_data, n_jobs):
    X, y = binary_data
    seen = []
    clf = AutoMLClassifier(max_trials=6, n_jobs=n_jobs, callbacks=[seen.append], **FAST)
    clf.fit(X, y)
    assert all(isinstance(r, TrialResult) for r in seen)
    assert sorted(r.trial_id for r in seen) == list(range(6))
    assert [r.trial_id for r in seen] == [t.trial_id for t in clf.history_.trials]


@pytest.mark.parametrize("how", ["return", "raise"])
def test_a_callback_stops_the_search(binary_data, how):
    X, y = binary_data

    def stop_at_good_score(result):
        if result.ok and result.mean_score > 0.8:
            if how == "raise":
                raise StopSearch
            return True
        return None

    clf = AutoMLClassifier(max_trials=50, callbacks=[stop_at_good_score], **FAST)
    clf.fit(X, y)
    assert clf.n_trials_ == 1  # the first trial already scores > 0.8
    assert clf.best_score_ > 0.8


def test_a_broken_callback_raises(binary_data):
    X, y = binary_data

    def broken(result):
        raise RuntimeError("bug in my callback")

    with pytest.raises(RuntimeError, match="bug in my callback"):
        AutoMLClassifier(max_trials=3, callbacks=[broken], **FAST).fit(X, y)
