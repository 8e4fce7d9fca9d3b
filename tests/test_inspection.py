"""sklearn_automl.inspection: the Displays, permutation importance, summary()."""

import sys
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import FailingClassifier
from sklearn.inspection import permutation_importance

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl.inspection import (
    EnsembleWeightsDisplay,
    FamilyScoreDisplay,
    FeatureImportanceDisplay,
    FitSummary,
    ParetoFrontDisplay,
    SearchHistoryDisplay,
    fit_summary,
    permutation_importances,
)
from sklearn_automl.inspection._model_plots import pareto_mask

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def search(mixed_frame):
    """A fitted search with three families, one of which always fails."""
    X, y = mixed_frame
    return AutoMLClassifier(
        time_budget=None, max_trials=9, cv=3, random_state=0,
        estimators=["linear", "knn", ("failing", FailingClassifier(), {})],
    ).fit(X, y)


def _offsets(collection):
    return np.asarray(collection.get_offsets())


def test_search_history_points_match_the_leaderboard(search):
    board = search.leaderboard_
    display = SearchHistoryDisplay.from_estimator(search, x="trial")
    assert display.ax_.get_xlabel() == "trial"
    assert display.ax_.get_ylabel() == "cross-validated roc_auc"
    assert display.figure_ is display.ax_.figure
    ok = board[board["status"] == "ok"]
    assert (board["status"] == "failed").sum() >= 1
    for family, group in ok.groupby("family"):
        points = _offsets(display.scatter_[family])
        assert sorted(points[:, 0]) == sorted(group["trial_id"].astype(float))
        np.testing.assert_allclose(sorted(points[:, 1]), sorted(group["mean_score"]))
    assert sum(len(_offsets(c)) for c in display.scatter_.values()) == len(ok)
    assert set(display.scatter_) == set(ok["family"])
    failed = board[board["status"] == "failed"]
    assert sorted(_offsets(display.unscored_["failed"])[:, 0]) == sorted(
        failed["trial_id"].astype(float))
    # the best-so-far line ends at the best score
    assert display.best_line_.get_ydata()[-1] == pytest.approx(search.best_score_)


def test_search_history_time_axis_is_increasing_seconds(search):
    display = SearchHistoryDisplay.from_estimator(search)
    assert display.ax_.get_xlabel() == "seconds since the search started"
    finished = [t.finished_at for t in search.history_.trials]
    assert np.all(np.isfinite(finished)) and np.all(np.diff(finished) >= 0)
    assert 0 < finished[-1] <= search.phase_times_["total"]
    with pytest.raises(ValueError, match="x must be 'time' or 'trial'"):
        display.plot(x="seconds")


def test_search_history_statuses_fidelity_and_best_line():
    trials = pd.DataFrame({
        "trial_id": range(7),
        "family": ["a", "a", "b", "b", "a", "b", "a"],
        "status": ["ok", "ok", "failed", "ok", "timeout", "skipped", "ok"],
        "mean_score": [0.5, 0.9, np.nan, 0.7, np.nan, np.nan, 0.8],
        "fidelity": [1.0, 0.3, 1.0, 1.0, 1.0, 1.0, 1.0],
        "elapsed": np.arange(7.0),
    })
    display = SearchHistoryDisplay(trials, score_name="accuracy").plot(x="time")
    assert {s: len(_offsets(c)) for s, c in display.unscored_.items()} == {
        "failed": 1, "timeout": 1, "skipped": 1}
    # the low-fidelity trial (0.9) is hollow and does not lead the best line
    faces = display.scatter_["a"].get_facecolors()
    assert faces[1][3] == 0 and faces[0][3] == 1
    assert max(display.best_line_.get_ydata()) == pytest.approx(0.8)
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert "failed (1)" in labels and "best so far" in labels


def test_family_scores(search):
    board = search.leaderboard_
    ok = board[board["status"] == "ok"]
    display = FamilyScoreDisplay.from_estimator(search)
    best = ok.groupby("family")["mean_score"].max().sort_values(ascending=False)
    assert list(display.scores) == list(best.index)
    for family, group in ok.groupby("family"):
        points = _offsets(display.scatter_[family])
        np.testing.assert_allclose(sorted(points[:, 0]), sorted(group["mean_score"]))
    ticks = [t.get_text() for t in display.ax_.get_yticklabels()]
    counts = ok["family"].value_counts()
    assert sorted(ticks) == sorted(f"{f} ({counts[f]})" for f in best.index)
    assert display.ax_.get_xlabel() == "cross-validated roc_auc"
    assert "failing" not in display.scores


def test_ensemble_weights(search):
    display = EnsembleWeightsDisplay.from_estimator(search)
    bars = display.bars_.patches
    assert len(bars) == len(search.ensemble_members_) >= 2
    np.testing.assert_allclose(
        [b.get_width() for b in bars], np.sort(search.ensemble_weights_)[::-1])
    ticks = {t.get_text() for t in display.ax_.get_yticklabels()}
    board = search.leaderboard_.set_index("trial_id")
    assert ticks == {f"trial {i} ({board.loc[i, 'family']})"
                     for i in search.ensemble_members_}
    assert display.ax_.get_xlabel() == "weight in the final model"
    assert f"{search.ensemble_score_:.4f}" in display.ax_.get_title()


def test_ensemble_weights_of_a_single_model(mixed_frame):
    X, y = mixed_frame
    single = AutoMLClassifier(time_budget=None, max_trials=2, ensemble_size=0,
                              estimators=["linear"], cv=3, random_state=0).fit(X, y)
    display = EnsembleWeightsDisplay.from_estimator(single)
    assert [b.get_width() for b in display.bars_.patches] == [1.0]
    assert display.members["trial_id"].tolist() == [single.best_index_]


def test_pareto_front(search):
    board = search.leaderboard_
    ok = board[board["status"] == "ok"]
    display = ParetoFrontDisplay.from_estimator(search)
    assert display.ax_.get_xlabel() == "fit time (s, summed over the folds)"
    assert sum(len(_offsets(c)) for c in display.scatter_.values()) == len(ok)
    front = display.trials[display.pareto_mask_]
    # no trial beats a front trial on both axes; every other trial is beaten
    for _, row in display.trials.iterrows():
        dominated = ((ok["fit_time"] <= row["x"]) & (ok["mean_score"] >= row["mean_score"])
                     & ((ok["fit_time"] < row["x"]) | (ok["mean_score"] > row["mean_score"])))
        assert dominated.any() != (row["trial_id"] in set(front["trial_id"]))
    assert display.trials.loc[display.pareto_mask_, "mean_score"].max() == pytest.approx(
        search.best_score_)
    latency = ParetoFrontDisplay.from_estimator(search, x="predict_time")
    assert latency.ax_.get_xlabel().startswith("predict time")
    with pytest.raises(ValueError, match="not a numeric cost column"):
        ParetoFrontDisplay.from_estimator(search, x="family")


def test_pareto_mask():
    cost = [1.0, 2.0, 2.0, 3.0, 0.5, 1.0]
    score = [0.5, 0.8, 0.7, 0.8, 0.1, 0.5]
    # 2 is beaten by 1 (same cost, higher score), 3 by 1 (lower cost, same
    # score), 5 duplicates 0
    assert pareto_mask(cost, score).tolist() == [True, True, False, False, True, False]


def test_permutation_importances_of_the_input_columns(search, mixed_frame):
    X, y = mixed_frame
    imp = permutation_importances(search, X, y, n_repeats=3, random_state=0)
    assert sorted(imp.index) == sorted(X.columns)
    assert imp.index.name == "feature"
    assert list(imp["importance_mean"]) == sorted(imp["importance_mean"], reverse=True)
    # y depends on num, color and flag; num_missing is noise
    assert imp.loc["num", "importance_mean"] > imp.loc["num_missing", "importance_mean"]
    assert imp.index[0] == "num"
    expected = permutation_importance(search, X, y, scoring=search.scorer_, n_repeats=3,
                                      random_state=0)
    np.testing.assert_allclose(
        imp.loc[list(X.columns), ["repeat_0", "repeat_1", "repeat_2"]],
        expected.importances,
    )
    same = search.feature_importances(X, y, n_repeats=3, random_state=0)
    pd.testing.assert_frame_equal(same, imp)


def test_feature_importance_display(search, mixed_frame):
    X, y = mixed_frame
    display = FeatureImportanceDisplay.from_estimator(
        search, X, y, n_repeats=2, random_state=0, max_features=4)
    assert display.features_ == list(display.importances.index[:4])
    assert len(display.boxplot_["boxes"]) == 4
    # the most important column on top
    ticks = sorted(display.ax_.get_yticklabels(), key=lambda t: -t.get_position()[1])
    assert [t.get_text() for t in ticks] == display.features_
    assert display.ax_.get_xlabel() == "drop in roc_auc when the column is shuffled"


def test_regression_importances_with_a_numpy_array(regression_data):
    X, y = regression_data
    reg = AutoMLRegressor(time_budget=None, max_trials=2, ensemble_size=0,
                          estimators=["linear"], cv=3, random_state=0).fit(X, y)
    imp = reg.feature_importances(X, y, n_repeats=2, random_state=0)
    assert sorted(imp.index) == [f"x{i}" for i in range(X.shape[1])]
    assert (imp["importance_mean"] > 0).sum() >= 2


def test_summary(search):
    summary = search.summary()
    assert isinstance(summary, FitSummary)
    board = search.leaderboard_
    statuses = board["status"].value_counts()
    assert summary.trials.loc["all", "total"] == len(board) == len(search.history_)
    for status, n in statuses.items():
        assert summary.trials.loc["all", status] == n
    fam = board[board["status"] == "failed"]["family"].value_counts()
    assert summary.trials.loc["failing", "failed"] == fam["failing"]
    ok = board[board["status"] == "ok"]
    np.testing.assert_allclose(
        summary.families["best_score"],
        ok.groupby("family")["mean_score"].max().loc[summary.families.index])
    assert summary.best == {"family": search.best_family_,
                            "trial_id": search.history_.trials[search.best_index_].trial_id,
                            "score": search.best_score_}
    assert sorted(summary.ensemble["trial_id"]) == sorted(search.ensemble_members_)
    assert summary.ensemble["weight"].sum() == pytest.approx(1.0)
    assert dict(summary.column_kinds) == dict(Counter(search.column_kinds_.values()))
    assert set(summary.phase_times.index) == set(search.phase_times_)
    text = str(summary)
    assert text == repr(summary) == fit_summary(search).to_text()
    for part in ("AutoMLClassifier: 9 trials", "Trials per family and status",
                 "Best per family", "Final model:", "Input columns (6)",
                 "no time budget", "failing", "refit"):
        assert part in text


def test_summary_with_a_time_budget(mixed_frame):
    X, y = mixed_frame
    clf = AutoMLClassifier(time_budget=6, max_trials=3, cv=3, estimators=["linear"],
                           random_state=0).fit(X, y)
    text = clf.summary().to_text()
    share = clf.phase_times_["total"] / 6
    assert f"{share:.0%} of time_budget=6s" in text


def test_missing_matplotlib_names_the_extra(search, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"sklearn_automl\[plot\]"):
        SearchHistoryDisplay.from_estimator(search)
    with pytest.raises(ImportError, match="plot extra"):
        EnsembleWeightsDisplay.from_estimator(search)
    assert "Final model" in str(search.summary())  # the text needs no matplotlib


def test_displays_draw_on_given_axes(search):
    fig, axes = plt.subplots(1, 4)
    for ax, cls in zip(axes, [SearchHistoryDisplay, FamilyScoreDisplay,
                              EnsembleWeightsDisplay, ParetoFrontDisplay]):
        display = cls.from_estimator(search, ax=ax)
        assert display.ax_ is ax and display.figure_ is fig
    with pytest.raises(ValueError, match="fitted"):
        SearchHistoryDisplay.from_estimator(AutoMLClassifier())


def test_a_family_has_one_colour_in_every_plot(search):
    history = SearchHistoryDisplay.from_estimator(search)
    families = FamilyScoreDisplay.from_estimator(search)
    ensemble = EnsembleWeightsDisplay.from_estimator(search)
    pareto = ParetoFrontDisplay.from_estimator(search)
    board = search.leaderboard_.set_index("trial_id")
    for family in families.scatter_:
        colour = tuple(history.scatter_[family].get_edgecolors()[0])
        assert tuple(families.scatter_[family].get_facecolors()[0][:3]) == colour[:3]
        assert tuple(pareto.scatter_[family].get_facecolors()[0][:3]) == colour[:3]
    for bar, trial in zip(ensemble.bars_.patches, ensemble.members["trial_id"]):
        colour = history.scatter_[board.loc[trial, "family"]].get_edgecolors()[0]
        assert tuple(bar.get_facecolor()[:3]) == tuple(colour[:3])


def test_nas_estimators_have_the_same_inspection():
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from sklearn.datasets import load_digits

    from sklearn_automl.nas import NASClassifier

    X, y = load_digits(return_X_y=True)
    nas = NASClassifier(max_trials=2, max_epochs=2, time_budget=None,
                        random_state=0).fit(X[:300], y[:300])
    summary = nas.summary()
    assert summary.trials.loc["mlp_net", "total"] == len(nas.leaderboard_) == 2
    assert summary.column_kinds.empty and summary.n_features == 64
    assert "Input columns (64): not typed" in str(summary)
    history = SearchHistoryDisplay.from_estimator(nas, x="trial")
    assert len(_offsets(history.scatter_["mlp_net"])) == 2
    assert history.ax_.get_ylabel() == "cross-validated accuracy"
    ensemble = EnsembleWeightsDisplay.from_estimator(nas)
    assert [b.get_width() for b in ensemble.bars_.patches] == [1.0]
