"""The catboost family (the ``boost`` extra): wrapper, search, export, absence."""

import importlib.util
import logging
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import KFold

from sklearn_automl import AutoMLClassifier, AutoMLRegressor, _plan
from sklearn_automl._evaluate import evaluate
from sklearn_automl._plan import default_components, make_plan

needs_catboost = pytest.mark.skipif(
    importlib.util.find_spec("catboost") is None, reason="catboost is not installed"
)
SEARCH = {"time_budget": None, "cv": 2, "random_state": 0, "ensemble_size": 0}
#: cheap configurations (random ones may train 2,000 rounds of depth 10)
CHEAP = [
    {"family": "catboost", "catboost__depth": 4},
    {"family": "catboost", "catboost__depth": 5, "catboost__l2_leaf_reg": 10.0},
    {"family": "catboost", "catboost__random_strength": 5.0},
]


def _frame(n=160, seed=0):
    """Categorical signal (``city``, with missing values) plus numeric noise."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({
        "x": rng.normal(size=n),
        "city": pd.Series(rng.choice(["rome", "oslo", "lima", "kyiv"], n)).where(
            rng.rand(n) > 0.1, None),
        "size": rng.choice(["S", "M", "L"], n),
    })
    signal_ = X["city"].isin(["rome", "lima"]).to_numpy() ^ (X["x"].to_numpy() > 1)
    y = np.where(signal_, "yes", "no")
    return X, y


@pytest.fixture
def fast(monkeypatch):
    """A cheap built-in family: at most 20 rounds."""
    from sklearn_automl.space import _catboost

    monkeypatch.setattr(_catboost, "ITERATIONS", 20)


# ------------------------------------------------------------- the family
@needs_catboost
def test_catboost_is_a_default_family_with_native_categoricals():
    from sklearn_automl.space._catboost import (
        ITERATIONS,
        CatBoostSklearnClassifier,
        CatBoostSklearnRegressor,
        CatBoostStopping,
    )

    for task, cls in (("classification", CatBoostSklearnClassifier),
                      ("regression", CatBoostSklearnRegressor)):
        comps = default_components(task)
        names = list(comps)
        assert names.index("extra_trees") < names.index("catboost") < names.index("knn")
        comp = comps["catboost"]
        assert isinstance(comp.estimator, cls)
        assert comp.encoding == "ordinal" and not comp.scale
        assert comp.categorical_param == "cat_features"
        assert comp.threads_param == "thread_count"
        default = {k: d.default for k, d in comp.space.items()}
        assert default["depth"] == 6 and default["l2_leaf_reg"] == 3.0
        assert 4 <= comp.space["depth"].low and comp.space["depth"].high <= 10
        # the rounds are a cap that early stopping stops under, not searched
        assert isinstance(comp.early_stopping, CatBoostStopping)
        assert "iterations" not in comp.space
        assert comp.estimator.iterations == ITERATIONS


@needs_catboost
def test_trial_stops_early_and_the_refit_trains_the_scaled_count():
    X = np.random.RandomState(0).normal(size=(200, 4))
    y = X[:, 0] + 0.5 * X[:, 1] + np.random.RandomState(1).normal(scale=0.3, size=200)
    reg = AutoMLRegressor(estimators=["catboost"], max_trials=1, **SEARCH).fit(X, y)
    trial = reg.history_.trials[0]
    assert trial.ok and len(trial.iterations) == 2
    assert all(1 <= it < 1000 for it in trial.iterations)  # stopped well before
    sizes = [200 - len(test) for _, test in KFold(2).split(X)]
    expected = round(np.mean([it * 200 / n for it, n in zip(trial.iterations, sizes)]))
    assert trial.refit_params == {"model__iterations": expected}
    model = reg.best_estimator_.named_steps["model"]
    assert model.iterations == expected == model.n_iter_  # no validation set
    assert model.best_iteration_ is None
    assert reg.best_params_["model__iterations"] == expected
    assert f"iterations={expected}" in reg.export_code()


@needs_catboost
def test_search_hands_catboost_the_categorical_columns_as_cat_features(fast):
    X, y = _frame()
    automl = AutoMLClassifier(estimators=["catboost"], max_trials=1, **SEARCH).fit(X, y)
    model = automl.best_estimator_.named_steps["model"]
    # the ordinal-coded columns come first: city and size
    assert model.cat_features == [0, 1] == model.cat_features_
    assert sorted(model.model_.get_cat_feature_indices()) == [0, 1]
    assert automl.best_params_["model__cat_features"] == [0, 1]
    assert automl.score(X, y) > 0.8


@needs_catboost
def test_wrapper_takes_string_and_float_coded_categories():
    from sklearn_automl.space._catboost import CatBoostSklearnClassifier

    X, y = _frame()
    strings = CatBoostSklearnClassifier(iterations=30, cat_features=[1, 2],
                                        random_state=0, thread_count=1).fit(X, y)
    codes = X.assign(
        city=X["city"].map({"rome": 0, "oslo": 1, "lima": 2, "kyiv": 3}).astype(float),
        size=X["size"].map({"S": 0, "M": 1, "L": 2}).astype(float),
    )  # NaN stays: a missing category
    floats = CatBoostSklearnClassifier(iterations=30, cat_features=[1, 2],
                                       random_state=0, thread_count=1)
    floats.fit(codes.to_numpy(np.float32), y)
    assert list(strings.classes_) == ["no", "yes"]
    assert strings.score(X, y) > 0.8 and floats.score(codes.to_numpy(), y) > 0.8
    with pytest.raises(ValueError, match="cat_features"):
        CatBoostSklearnClassifier(cat_features=[5]).fit(X, y)
    with pytest.raises(ValueError, match="params"):
        CatBoostSklearnClassifier(params={"depth": 3}).fit(X, y)


@needs_catboost
def test_wrapper_handles_one_class_and_constant_targets():
    from sklearn_automl.space._catboost import (
        CatBoostSklearnClassifier,
        CatBoostSklearnRegressor,
    )

    X = np.random.RandomState(0).normal(size=(20, 3))
    clf = CatBoostSklearnClassifier(iterations=5).fit(X, np.full(20, "a"))
    assert list(clf.predict(X[:3])) == ["a"] * 3
    np.testing.assert_array_equal(clf.predict_proba(X[:3]), np.ones((3, 1)))
    reg = CatBoostSklearnRegressor(iterations=5).fit(X, np.full(20, 2.5))
    np.testing.assert_array_equal(reg.predict(X[:3]), [2.5] * 3)


@needs_catboost
def test_thread_limit_reaches_catboost(fast):
    X, y = _frame()
    plan = make_plan(X, "classification", ["catboost"])
    comp = plan.components["catboost"]
    config = plan.default_configs()[0]
    pipe = plan.build(config, random_state=0, n_jobs=comp.n_threads(2, len(X)))
    model = pipe.named_steps["model"]
    # CatBoost's pool spins like OpenMP: one thread per 50,000 rows
    assert model.thread_count == 1 == comp.n_threads(2, len(X))
    assert comp.n_threads(2, 120_000) == 2
    pipe.fit(X, y)
    assert model.model_.get_params()["thread_count"] == 1  # what CatBoost was given


@needs_catboost
def test_nothing_is_written_to_the_working_directory(tmp_path, monkeypatch, capfd,
                                                      fast):
    from sklearn_automl.space._catboost import CatBoostSklearnRegressor

    monkeypatch.chdir(tmp_path)
    X, y = _frame()
    AutoMLClassifier(estimators=["catboost"], max_trials=1, **SEARCH).fit(X, y)
    CatBoostSklearnRegressor(iterations=10).fit(X[["x"]], X["x"] * 2)
    assert os.listdir(tmp_path) == []  # no catboost_info
    out, err = capfd.readouterr()
    assert out == "" and "Learn" not in err


# ------------------------------------------------------ clone and persistence
@needs_catboost
def test_clone_pickle_and_joblib_round_trip(tmp_path, fast):
    from sklearn_automl.space._catboost import CatBoostSklearnClassifier

    template = CatBoostSklearnClassifier(iterations=20, cat_features=[1, 2],
                                         random_state=3, params={"border_count": 32})
    twin = clone(template)  # CatBoost's own classes fail here with a list
    assert twin.get_params() == template.get_params()
    assert twin.cat_features is not template.cat_features
    X, y = _frame()
    automl = AutoMLClassifier(estimators=["catboost"], max_trials=2,
                              initial_configs=CHEAP, **SEARCH).fit(X, y)
    expected = automl.predict_proba(X)
    joblib.dump(automl, tmp_path / "automl.joblib")
    for loaded in (joblib.load(tmp_path / "automl.joblib"),
                   pickle.loads(pickle.dumps(automl))):
        np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    refitted = clone(automl).fit(X, y)
    np.testing.assert_array_equal(refitted.predict_proba(X), expected)


@needs_catboost
def test_skops_round_trip_needs_no_other_type(tmp_path, fast):
    sio = pytest.importorskip("skops.io")
    from sklearn_automl import load, trusted_types

    X, y = _frame()
    for automl, y_ in ((AutoMLClassifier, y), (AutoMLRegressor, X["x"].to_numpy())):
        model = automl(estimators=["catboost"], max_trials=1, **SEARCH).fit(X, y_)
        sio.dump(model, tmp_path / "m.skops")
        untrusted = sio.get_untrusted_types(file=tmp_path / "m.skops")
        assert [t for t in untrusted if t not in trusted_types()] == []
        loaded = load(tmp_path / "m.skops", format="skops")
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@needs_catboost
def test_same_random_state_same_leaderboard(fast):
    X, _ = _frame(120)
    y = (X["x"] + X["city"].eq("rome")).to_numpy()

    def fit(seed):
        return AutoMLRegressor(
            estimators=["catboost"], max_trials=3, initial_configs=CHEAP,
            **{**SEARCH, "random_state": seed},
        ).fit(X, y)

    runs = [fit(0), fit(0)]
    cols = ["family", "mean_score", "std_score"]
    pd.testing.assert_frame_equal(runs[0].leaderboard_[cols], runs[1].leaderboard_[cols])
    np.testing.assert_array_equal(runs[0].predict(X), runs[1].predict(X))
    other = fit(1)  # other folds and model seeds
    assert not np.allclose(other.leaderboard_["mean_score"],
                           runs[0].leaderboard_["mean_score"])


# ----------------------------------------------------------------- timeouts
@needs_catboost
def test_a_trial_deadline_inside_catboost_is_a_timeout():
    from sklearn_automl.space._catboost import CatBoostSklearnRegressor

    X = np.random.RandomState(0).rand(2000, 8)
    y = X.sum(axis=1)
    start = time.monotonic()
    result = evaluate(
        CatBoostSklearnRegressor(iterations=1_000_000, thread_count=1), X, y,
        list(KFold(2).split(X)), get_scorer("r2"), deadline=time.monotonic() + 1.0,
    )
    # CatBoost turns the deadline's exception into KeyboardInterrupt; the
    # wrapper gives it back, so this is a timeout, not an interrupted search
    assert result.status == "timeout"
    assert time.monotonic() - start < 30


@needs_catboost
@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
def test_the_alarm_handlers_own_exception_comes_out_of_fit():
    from sklearn_automl.space._catboost import CatBoostSklearnRegressor

    class Alarm(Exception):
        pass

    def handler(signum, frame):
        raise Alarm

    X = np.random.RandomState(0).rand(2000, 8)
    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(Alarm):
            CatBoostSklearnRegressor(iterations=1_000_000, thread_count=1).fit(
                X, X.sum(axis=1))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert signal.getsignal(signal.SIGALRM) is previous


def _busy(seconds):
    """Python bytecode for ``seconds`` (where a signal handler can run), as
    CatBoost's compiled data preparation calls back into numpy."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@needs_catboost
@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
@pytest.mark.parametrize("where", ["fit", "predict"])
def test_an_alarm_outside_the_training_loop_waits_for_it(monkeypatch, where):
    """Outside CatBoost's training loop an exception raised by a signal handler
    is ignored by its compiled code (and the process may crash): the alarm is
    deferred until the training loop starts, or until CatBoost returns."""
    import catboost

    from sklearn_automl.space import _catboost as cb

    class Alarm(Exception):
        pass

    done = []

    class Preparing(catboost.CatBoostRegressor):
        def fit(self, *args, **kwargs):
            _busy(0.3)  # the alarm goes off in here
            done.append("prepared")
            return super().fit(*args, **kwargs)

        def predict(self, *args, **kwargs):
            _busy(0.3)
            done.append("predicted")
            return super().predict(*args, **kwargs)

    X = np.random.RandomState(0).rand(500, 4)
    reg = cb.CatBoostSklearnRegressor(iterations=1_000_000 if where == "fit" else 5,
                                      thread_count=1)
    if where == "predict":
        reg.fit(X, X.sum(axis=1))
    monkeypatch.setattr(cb.CatBoostSklearnRegressor, "_catboost_class", Preparing)
    if where == "predict":
        reg.model_.__class__ = Preparing

    def handler(signum, frame):
        raise Alarm

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        with pytest.raises(Alarm):
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            if where == "fit":  # raised in the training loop, once it runs
                reg.fit(X, X.sum(axis=1))
            else:  # raised as predict returns
                reg.predict(X)
                _busy(1.0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert done == ["prepared" if where == "fit" else "predicted"]
    assert signal.getsignal(signal.SIGALRM) is previous


# ------------------------------------------------------------------- export
_BLOCKED_RUN = textwrap.dedent(
    """
    import pickle, runpy, sys

    class _NoAutoML:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "sklearn_automl":
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, _NoAutoML())
    for case in sys.argv[1:]:
        ns = runpy.run_path(f"{case}/model.py", run_name="exported_model")
        with open(f"{case}/data.pkl", "rb") as f:
            X, y, X_test = pickle.load(f)
        model = ns["fit_model"](X, y)
        out = {"predict": model.predict(X_test)}
        if hasattr(model, "predict_proba"):
            out["predict_proba"] = model.predict_proba(X_test)
        with open(f"{case}/predictions.pkl", "wb") as f:
            pickle.dump(out, f)
    assert not any(m.startswith("sklearn_automl") for m in sys.modules)
    """
)


@needs_catboost
def test_exported_code_rebuilds_the_catboost_model(tmp_path, fast):
    import catboost

    X, y = _frame(200)
    X_test = _frame(40, seed=1)[0]
    classifier = AutoMLClassifier(estimators=["catboost"], max_trials=1, **SEARCH)
    classifier.fit(X, y)
    Xn = np.random.RandomState(2).normal(size=(150, 4))
    yn = Xn[:, 0] * 2 + Xn[:, 1] ** 2
    regressor = AutoMLRegressor(estimators=["catboost"], max_trials=1, **SEARCH)
    regressor.fit(Xn, yn)
    cases = {"clf": (classifier, X, y, X_test), "reg": (regressor, Xn, yn, Xn[:30])}
    for name, (automl, X_, y_, X_test_) in cases.items():
        directory = tmp_path / name
        directory.mkdir()
        source = automl.export_code(directory)
        assert "import catboost" in source
        assert "CatBoostSklearn" in source
        assert f"catboost>={catboost.__version__}" in (
            directory / "requirements.txt").read_text()
        with open(directory / "data.pkl", "wb") as f:
            pickle.dump((X_, y_, X_test_), f)
    run = subprocess.run(
        [sys.executable, "-c", _BLOCKED_RUN, *(str(tmp_path / n) for n in cases)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for name, (automl, _, _, X_test_) in cases.items():
        with open(tmp_path / name / "predictions.pkl", "rb") as f:
            got = pickle.load(f)
        np.testing.assert_array_equal(got["predict"], automl.predict(X_test_))
        if "predict_proba" in got:
            np.testing.assert_allclose(got["predict_proba"],
                                       automl.predict_proba(X_test_), rtol=0, atol=1e-9)
    assert not (tmp_path / "catboost_info").exists()


# --------------------------------------------------------- without the extra
def test_without_the_extra_the_family_is_left_out_with_one_notice(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "catboost", None)  # import catboost fails
    monkeypatch.setattr(_plan, "_NOTICE", set())
    caplog.set_level(logging.INFO, logger="sklearn_automl")
    for task in ("classification", "regression"):
        comps = default_components(task)
        assert "catboost" not in comps
        assert {"lightgbm", "knn"} <= set(comps)
    X, y = _frame(80)
    y = (y == "yes").astype(int)
    AutoMLClassifier(max_trials=1, **SEARCH).fit(X, y)
    notices = [r.getMessage() for r in caplog.records if "catboost" in r.getMessage()]
    assert len(notices) == 1, notices
    assert 'pip install "sklearn_automl[boost]"' in notices[0]
    with pytest.raises(ImportError, match=r"sklearn_automl\[boost\]"):
        AutoMLClassifier(estimators=["catboost"], max_trials=1, **SEARCH).fit(X, y)
