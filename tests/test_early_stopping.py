"""Boosting that stops early: trials stop on each fold's validation rows, the
refit trains the scaled count, and the count is what best_params_, the
leaderboard, the checkpoint and export_code carry."""

import time

import numpy as np
import pytest
from lightgbm import LGBMRegressor
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._checkpoint import Checkpoint
from sklearn_automl._evaluate import evaluate
from sklearn_automl._history import TrialResult
from sklearn_automl._plan import make_plan
from sklearn_automl.space import (
    Component,
    EarlyStopping,
    Float,
    HistGradientBoostingStopping,
    LightGBMStopping,
)
from sklearn_automl.space._default import HGB_MAX_ITER, LIGHTGBM_MAX_ROUNDS

SEARCH = {"time_budget": None, "cv": 3, "random_state": 0, "ensemble_size": 0}


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=300, n_features=6, noise=10.0, random_state=0)
    return X, y


def _fold_sizes(n, n_splits):
    """Training rows of each fold of the AutoML's KFold(n_splits) on n rows."""
    return [n - len(test) for _, test in KFold(n_splits).split(np.zeros(n))]


def test_lightgbm_trial_stops_early_and_the_refit_trains_the_scaled_count(regression):
    X, y = regression
    reg = AutoMLRegressor(estimators=["lightgbm"], max_trials=1, **SEARCH).fit(X, y)
    trial = reg.history_.trials[0]
    assert trial.ok and len(trial.iterations) == 3
    assert all(1 <= it < LIGHTGBM_MAX_ROUNDS for it in trial.iterations)
    # the refit count: the folds' best counts scaled by n_total / n_fold_train
    sizes = _fold_sizes(len(y), 3)
    expected = round(np.mean([it * len(y) / s
                              for it, s in zip(trial.iterations, sizes)]))
    assert trial.refit_params == {"model__n_estimators": expected}
    # ... trained as such, without a validation set
    model = reg.best_estimator_.named_steps["model"]
    assert model.n_estimators == expected
    assert model.booster_.num_trees() == expected
    assert reg.best_params_["model__n_estimators"] == expected
    assert reg.leaderboard_.loc[0, "params"]["model__n_estimators"] == expected
    assert reg.cv_results_["param_model__n_estimators"][0] == expected
    assert reg.cv_results_["params"][0]["model__n_estimators"] == expected
    # the searched configuration itself has no iteration count
    assert not any(k.endswith("n_estimators") for k in trial.config)


def test_export_code_writes_the_fixed_count_and_reproduces_predictions(regression):
    X, y = regression
    reg = AutoMLRegressor(estimators=["lightgbm"], max_trials=1, **SEARCH).fit(X, y)
    count = reg.best_params_["model__n_estimators"]
    source = reg.export_code()
    assert f"n_estimators={count}" in source
    assert "early_stopping" not in source and "eval_" not in source
    namespace = {"__name__": "exported_model"}
    exec(compile(source, "model.py", "exec"), namespace)  # noqa: S102 - our output
    model = namespace["fit_model"](X, y)
    np.testing.assert_array_equal(model.predict(X[:50]), reg.predict(X[:50]))


def test_hist_gradient_boosting_stops_on_the_fold_validation_rows():
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    clf = AutoMLClassifier(estimators=["hist_gradient_boosting"], max_trials=1,
                           **SEARCH).fit(X, y)
    trial = clf.history_.trials[0]
    assert trial.ok and len(trial.iterations) == 3
    assert all(1 <= it < HGB_MAX_ITER for it in trial.iterations)
    count = trial.refit_params["model__max_iter"]
    sizes = _fold_sizes(len(y), 3)  # StratifiedKFold: the same sizes here
    assert count == round(np.mean([it * len(y) / s
                                   for it, s in zip(trial.iterations, sizes)]))
    model = clf.best_estimator_.named_steps["model"]
    assert model.early_stopping is False and model.n_iter_ == count
    assert clf.best_params_["model__max_iter"] == count
    source = clf.export_code()
    assert f"max_iter={count}" in source and "early_stopping=False" in source


def test_evaluate_stops_each_fold_and_keeps_the_score_of_the_validation_rows(
        regression):
    X, y = regression
    plan = make_plan(X, "regression", ["lightgbm"])
    config = plan.space.default({"family": "lightgbm"})
    splits = list(KFold(3).split(X))
    stopping = plan.components["lightgbm"].early_stopping
    scorer = get_scorer("neg_root_mean_squared_error")
    def pipeline():
        return plan.build(config, random_state=0, n_jobs=1).set_params(
            model__n_estimators=2000)

    res = evaluate(pipeline(), X, y, splits, scorer, early_stopping=stopping)
    plain = evaluate(pipeline(), X, y, splits, scorer)
    assert res.ok and plain.ok
    assert plain.iterations == [] and plain.refit_params == {}
    # stopped early: fewer trees than the cap, a better validation score
    assert max(res.iterations) < 2000
    assert res.mean_score > plain.mean_score
    # each fold's score is its stopped model's on the validation rows
    for (train, test), score, it in zip(splits, res.scores, res.iterations,
                                        strict=True):
        pipe = plan.build(config, random_state=0, n_jobs=1)
        pipe.set_params(model__n_estimators=it).fit(X[train], y[train])
        assert score == pytest.approx(scorer(pipe, X[test], y[test]), rel=1e-6)


def test_low_fidelity_lowers_rows_not_the_cap(regression):
    X, y = regression
    plan = make_plan(X, "regression", ["lightgbm", "random_forest"])
    config = plan.space.default({"family": "lightgbm"})
    assert plan.fidelity_split(config, 1 / 9) == pytest.approx((1 / 9, 1.0))
    forest = plan.space.default({"family": "random_forest"})
    assert plan.fidelity_split(forest, 1 / 9) == pytest.approx((1 / 3, 1 / 3))
    splits = list(KFold(3).split(X))
    res = evaluate(plan.build(config, random_state=0, n_jobs=1), X, y, splits,
                   get_scorer("r2"), early_stopping=LightGBMStopping(), max_folds=1,
                   row_fraction=1 / 3, fidelity=1 / 9)
    assert res.ok and len(res.iterations) == 1
    # the refit count scales from the rows that fold really trained on
    n_sub = int(np.ceil(len(splits[0][0]) / 3))
    assert res.refit_params["model__n_estimators"] == round(
        res.iterations[0] * len(y) / n_sub)


def test_successive_halving_runs_with_early_stopping(regression):
    X, y = regression
    reg = AutoMLRegressor(estimators=["lightgbm"], max_trials=13, search="random",
                          schedule="successive_halving", **SEARCH).fit(X, y)
    trials = reg.history_.trials
    low = [t for t in trials if t.fidelity < 1 and t.ok]
    full = [t for t in trials if t.fidelity == 1 and t.ok]
    assert low and full
    # rows only: the fidelity is the share of rows, every trial has its counts
    assert all(t.n_resources == pytest.approx(t.fidelity) for t in low)
    assert all(len(t.iterations) == len(t.scores) for t in trials if t.ok)
    best = trials[reg.best_index_]
    assert best.fidelity == 1
    assert (reg.best_estimator_.named_steps["model"].n_estimators
            == best.refit_params["model__n_estimators"])


def test_same_random_state_same_leaderboard(regression):
    X, y = regression
    runs = [AutoMLRegressor(estimators=["lightgbm", "hist_gradient_boosting"],
                            max_trials=4, **SEARCH).fit(X, y) for _ in range(2)]
    a, b = (r.leaderboard_ for r in runs)
    assert a["params"].tolist() == b["params"].tolist()
    np.testing.assert_array_equal(a["mean_score"], b["mean_score"])
    assert ([t.iterations for t in runs[0].history_.trials]
            == [t.iterations for t in runs[1].history_.trials])


def test_string_labels_reach_the_stopping_set_encoded(mixed_frame):
    X, y = mixed_frame  # labels "yes" / "no"
    clf = AutoMLClassifier(estimators=["lightgbm", "hist_gradient_boosting"],
                           max_trials=2, **SEARCH).fit(X, y)
    assert all(t.ok and len(t.iterations) == 3 for t in clf.history_.trials), [
        t.error for t in clf.history_.trials]
    assert set(clf.predict(X)) <= {"yes", "no"}


def test_a_class_missing_from_a_training_fold_is_left_out_of_the_stopping_set():
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    y[:3] = 2  # a rare class, all in the first validation fold
    train, test = np.arange(30, 120), np.arange(30)
    plan = make_plan(X, "classification", ["lightgbm"])
    config = plan.space.default({"family": "lightgbm"})
    res = evaluate(plan.build(config, random_state=0, n_jobs=1), X, y, [(train, test)],
                   get_scorer("accuracy"), classes=np.unique(y),
                   early_stopping=plan.components["lightgbm"].early_stopping)
    assert res.ok, res.error
    assert len(res.iterations) == 1


def test_a_trial_that_stops_early_ends_in_its_deadline_with_a_score():
    """Each fold's training stops at its share of the time left, as an early
    stop: the trial is scored instead of timing out with nothing."""
    X, y = make_regression(n_samples=2000, n_features=20, random_state=0)
    est = LGBMRegressor(n_estimators=100_000, learning_rate=1e-4, verbose=-1,
                        n_jobs=1)
    start = time.monotonic()
    deadline = start + 5.0
    res = evaluate(est, X, y, list(KFold(3).split(X)), get_scorer("r2"),
                   deadline=deadline, early_stopping=LightGBMStopping())
    assert time.monotonic() < deadline
    assert res.status == "ok", res.error
    # at learning rate 1e-4 every round improves: time, not patience, stopped it
    assert len(res.iterations) == 3
    assert all(1 <= it < 100_000 for it in res.iterations)
    assert res.refit_params["n_estimators"] >= 1


class _NoTimeLimit(LightGBMStopping):
    """A user's subclass written before ``fit`` took ``max_time``."""

    def fit(self, estimator, X, y, X_val, y_val):
        return super().fit(estimator, X, y, X_val, y_val)


def test_the_deadline_still_stops_a_stopping_rule_without_max_time():
    X, y = make_regression(n_samples=2000, n_features=20, random_state=0)
    est = LGBMRegressor(n_estimators=100_000, learning_rate=1e-4, verbose=-1,
                        n_jobs=1)
    res = evaluate(est, X, y, list(KFold(3).split(X)), get_scorer("r2"),
                   deadline=time.monotonic() + 0.5, early_stopping=_NoTimeLimit())
    assert res.status == "timeout"
    assert res.refit_params == {}


@pytest.mark.filterwarnings("ignore:.*eval_set.*deprecated")
def test_lightgbm_stopping_matches_lightgbm_early_stopping(regression):
    """The callback that also stops in time stops where lightgbm's own does."""
    import lightgbm

    X, y = regression
    for rounds, cap in [(5, 2000), (50, 2000), (50, 30)]:  # patience, and the cap
        ours = LGBMRegressor(n_estimators=cap, learning_rate=0.3, verbose=-1)
        best = LightGBMStopping(rounds=rounds).fit(ours, X[:200], y[:200], X[200:],
                                                   y[200:])
        ref = LGBMRegressor(n_estimators=cap, learning_rate=0.3, verbose=-1)
        ref.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])],
                callbacks=[lightgbm.early_stopping(rounds, verbose=False)])
        assert best == ref.best_iteration_
        assert ours.booster_.num_trees() == ref.booster_.num_trees()
        np.testing.assert_allclose(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("model", ["lightgbm", "hist_gradient_boosting", "catboost"])
def test_max_time_stops_training_and_keeps_a_model(regression, model):
    """With no time at all, training stops at its first check (one iteration;
    HistGradientBoosting's first block) and the model predicts."""
    X, y = regression
    if model == "lightgbm":
        est, stopping = LGBMRegressor(n_estimators=5000, verbose=-1), LightGBMStopping()
        first = 1
    elif model == "hist_gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingRegressor

        est = HistGradientBoostingRegressor(max_iter=5000, learning_rate=0.01,
                                            early_stopping=False)
        stopping, first = HistGradientBoostingStopping(), 32
    else:
        pytest.importorskip("catboost")
        from sklearn_automl.space._catboost import (
            CatBoostSklearnRegressor,
            CatBoostStopping,
        )

        est = CatBoostSklearnRegressor(iterations=5000, learning_rate=0.01,
                                       thread_count=1)
        stopping, first = CatBoostStopping(), 1
    best = stopping.fit(est, X[:200], y[:200], X[200:], y[200:], max_time=0.0)
    assert best == first
    assert est.get_params()[stopping.param] == 5000  # the cap, as given
    assert np.isfinite(est.predict(X[200:])).all()


def test_hist_gradient_boosting_cut_by_time_is_a_fit_of_that_many(regression,
                                                                   monkeypatch):
    """Blocks shortened to the time left (a clock that advances 1 s per
    reading), then out of time: the model is what one fit of as many
    iterations trains."""
    import itertools
    import types

    from sklearn.ensemble import HistGradientBoostingRegressor

    from sklearn_automl.space import _early_stopping

    clock = itertools.count()
    monkeypatch.setattr(_early_stopping, "time",
                        types.SimpleNamespace(monotonic=lambda: float(next(clock))))
    X, y = regression
    est = HistGradientBoostingRegressor(max_iter=5000, learning_rate=0.01,
                                        early_stopping=False, random_state=0)
    HistGradientBoostingStopping().fit(est, X[:200], y[:200], X[200:], y[200:],
                                       max_time=6.0)
    assert 32 < est.n_iter_ < 5000  # more than the first block, cut by time
    one = HistGradientBoostingRegressor(max_iter=est.n_iter_, learning_rate=0.01,
                                        early_stopping=True, n_iter_no_change=20,
                                        random_state=0)
    one.fit(X[:200], y[:200], X_val=X[200:], y_val=y[200:])
    np.testing.assert_allclose(one.predict(X), est.predict(X))


@pytest.mark.parametrize("learning_rate", [0.5, 0.01])  # stops early; runs to the cap
def test_hist_gradient_boosting_in_blocks_is_the_same_model(regression, learning_rate):
    """Training in blocks (under a time limit) trains what one fit trains."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    X, y = regression

    def fit(max_time):
        est = HistGradientBoostingRegressor(max_iter=300, learning_rate=learning_rate,
                                            early_stopping=False, random_state=0)
        best = HistGradientBoostingStopping().fit(est, X[:200], y[:200], X[200:],
                                                  y[200:], max_time=max_time)
        return est, best

    (one, best_one), (blocks, best_blocks) = fit(None), fit(1e6)
    assert best_one == best_blocks
    assert one.n_iter_ == blocks.n_iter_
    assert (one.n_iter_ < 300) == (learning_rate == 0.5)
    assert blocks.max_iter == 300 and blocks.warm_start is False
    np.testing.assert_allclose(one.validation_score_, blocks.validation_score_)
    np.testing.assert_allclose(one.predict(X), blocks.predict(X))


def test_checkpoint_keeps_iterations_and_refit_params(tmp_path):
    ck = Checkpoint(tmp_path / "ck", {"data": {"hash": "x"}}, seed=0).open()
    res = TrialResult(0, {"family": "lightgbm"}, "lightgbm", {}, "ok",
                      scores=np.array([1.0, 1.0]), mean_score=1.0,
                      iterations=[40, 60], refit_params={"model__n_estimators": 75})
    ck.append(res, issued_after=0)
    ck.close()
    back = Checkpoint.result(Checkpoint(tmp_path / "ck", {"data": {"hash": "x"}})
                             .load()[0])
    assert back.iterations == [40, 60]
    assert back.refit_params == {"model__n_estimators": 75}
    assert back.final_params == {"model__n_estimators": 75}


def test_a_refit_on_a_share_of_the_rows_trains_that_share_of_the_count(
        regression, monkeypatch):
    """Scaled once: the count for all rows, times the refit's share of them
    (scaling it twice would train the share squared)."""
    import sklearn_automl._automl as automl_module

    X, y = regression
    monkeypatch.setattr(automl_module, "refit_fraction", lambda *a, **k: 0.5)
    reg = AutoMLRegressor(estimators=["lightgbm"], max_trials=1, **SEARCH).fit(X, y)
    trial = reg.history_.trials[0]
    assert reg.n_samples_refit_ == len(y) // 2
    all_rows = EarlyStopping.refit_count(trial.iterations, _fold_sizes(len(y), 3),
                                         len(y))
    expected = max(1, round(all_rows * reg.n_samples_refit_ / len(y)))
    model = reg.best_estimator_.named_steps["model"]
    assert model.n_estimators == expected
    assert model.booster_.num_trees() == expected
    assert trial.refit_params == {"model__n_estimators": expected}
    assert reg.best_params_["model__n_estimators"] == expected


def test_refit_pipeline_sets_the_trials_refit_params(regression):
    from sklearn_automl._refit import refit_pipeline

    X, _ = regression
    plan = make_plan(X, "regression", ["lightgbm", "linear"])
    config = plan.space.default({"family": "lightgbm"})
    trial = TrialResult(0, config, "lightgbm", plan.model_params(config), "ok",
                        refit_params={"model__n_estimators": 301})
    assert refit_pipeline(plan, trial, 0, 1).named_steps["model"].n_estimators == 301
    assert trial.refit_params == {"model__n_estimators": 301}  # the trial untouched
    linear = plan.space.default({"family": "linear"})
    other = TrialResult(1, linear, "linear", {}, "ok")
    assert refit_pipeline(plan, other, 0, 1).named_steps["model"].alpha == 1.0


def test_refit_count_rule():
    assert EarlyStopping.refit_count([100, 200], [80, 80], 100) == 188
    assert EarlyStopping.refit_count([1], [1000], 10) == 1


def test_custom_component_with_early_stopping(regression):
    X, y = regression
    comp = Component("my_lgbm", LGBMRegressor(n_estimators=3000, verbose=-1),
                     {"learning_rate": Float(0.05, 0.2, default=0.1)},
                     tasks=("regression",), early_stopping=LightGBMStopping())
    reg = AutoMLRegressor(estimators=[comp], max_trials=1, **SEARCH).fit(X, y)
    trial = reg.history_.trials[0]
    assert trial.ok and max(trial.iterations) < 3000
    assert (reg.best_estimator_.named_steps["model"].n_estimators
            == trial.refit_params["model__n_estimators"])


def test_component_checks_its_early_stopping():
    est = LGBMRegressor()
    with pytest.raises(TypeError, match="early_stopping must be an EarlyStopping"):
        Component("a", est, early_stopping="yes")
    with pytest.raises(ValueError, match="'max_iter' is not a parameter"):
        Component("a", est, early_stopping=HistGradientBoostingStopping())
    with pytest.raises(ValueError, match="cannot also be searched"):
        Component("a", est, {"n_estimators": Float(1, 10)},
                  early_stopping=LightGBMStopping())
    with pytest.raises(ValueError, match="rounds must be an int"):
        LightGBMStopping(rounds=0)
