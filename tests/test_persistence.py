"""Persistence: joblib with one version warning, skops with every type listed."""

import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from conftest import MajorityClassifier
from pickle_inspection import untrusted
from sklearn.datasets import make_classification

from sklearn_automl import (
    AutoMLClassifier,
    AutoMLRegressor,
    ModelVersionWarning,
    _persistence,
    load,
)


@pytest.fixture(scope="module")
def fitted(mixed_frame):
    X, y = mixed_frame
    X = X.assign(when=pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.arange(len(X)) % 97, unit="D"))
    model = AutoMLClassifier(time_budget=None, max_trials=4, estimators=[
        "linear", "lightgbm"], random_state=0).fit(X, y)
    return model, X, y


def test_joblib_round_trip_through_load_is_silent_and_identical(fitted, tmp_path):
    model, X, _ = fitted
    joblib.dump(model, tmp_path / "m.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    pd.testing.assert_frame_equal(loaded.leaderboard_, model.leaderboard_)


def test_other_versions_give_one_warning_naming_both(fitted, tmp_path, monkeypatch):
    model, X, _ = fitted
    old = {"sklearn_automl": "0.0.9", "scikit-learn": "1.6.0", "lightgbm": "4.0.0"}
    with monkeypatch.context() as m:
        m.setattr(_persistence, "library_versions", lambda *libraries: dict(old))
        m.setattr(sklearn.base, "__version__", "1.6.0")  # nested estimators too
        joblib.dump(model, tmp_path / "old.joblib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = load(tmp_path / "old.joblib")
    assert len(caught) == 1, [str(w.message) for w in caught]
    warning = caught[0].message
    assert isinstance(warning, ModelVersionWarning)
    text = str(warning)
    assert "sklearn_automl 0.0.9" in text and "scikit-learn 1.6.0" in text
    assert f"scikit-learn {sklearn.__version__}" in text and "lightgbm 4.0.0" in text
    assert warning.saved == old
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # plain joblib.load warns too (besides scikit-learn's own warnings)
    with pytest.warns(ModelVersionWarning):
        joblib.load(tmp_path / "old.joblib")


def test_a_model_records_the_optional_libraries_it_uses(tmp_path, monkeypatch):
    """CatBoost's version is recorded when the final model uses it, and a
    load under another CatBoost version warns; other models do not record it."""
    from importlib import metadata

    pytest.importorskip("catboost")
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    kw = {"max_trials": 1, "time_budget": None, "cv": 2, "random_state": 0,
          "ensemble_size": 0}
    cat = AutoMLClassifier(estimators=["catboost"], **kw).fit(X, y)
    lin = AutoMLClassifier(estimators=["linear"], **kw).fit(X, y)
    assert cat.__getstate__()["_saved_versions"]["catboost"] == metadata.version(
        "catboost")
    assert "catboost" not in lin.__getstate__()["_saved_versions"]
    assert "torch" not in lin.__getstate__()["_saved_versions"]
    joblib.dump(cat, tmp_path / "cat.joblib")
    joblib.dump(lin, tmp_path / "lin.joblib")
    real = metadata.version
    monkeypatch.setattr(metadata, "version",
                        lambda name: "0.1" if name == "catboost" else real(name))
    with pytest.warns(ModelVersionWarning, match="catboost"):
        load(tmp_path / "cat.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(tmp_path / "lin.joblib")


def test_bad_format_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="format must be 'joblib' or 'skops'"):
        load(tmp_path / "x", format="pickle")


def test_skops_round_trip_needs_no_other_type(fitted, tmp_path):
    sio = pytest.importorskip("skops.io")
    model, X, _ = fitted
    sio.dump(model, tmp_path / "m.skops")
    assert untrusted(tmp_path / "m.skops") == []
    loaded = load(tmp_path / "m.skops", format="skops")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    pd.testing.assert_frame_equal(loaded.leaderboard_, model.leaderboard_)


def test_skops_lists_only_the_users_own_estimator(tmp_path):
    sio = pytest.importorskip("skops.io")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.normal(size=60)
    reg = AutoMLRegressor(time_budget=None, max_trials=2, random_state=0,
                          estimators=["hist_gradient_boosting", "random_forest"],
                          ensemble_size=0, cv=2).fit(X, y)
    sio.dump(reg, tmp_path / "r.skops")
    assert untrusted(tmp_path / "r.skops") == []
    np.testing.assert_array_equal(load(tmp_path / "r.skops", format="skops").predict(X),
                                  reg.predict(X))
    clf = AutoMLClassifier(time_budget=None, max_trials=1, ensemble_size=0,
                           estimators=[("mine", MajorityClassifier(), {})]).fit(
                               X, y > 0)
    sio.dump(clf, tmp_path / "c.skops")
    assert untrusted(tmp_path / "c.skops") == ["conftest.MajorityClassifier"]
    with pytest.raises(Exception, match="MajorityClassifier"):
        load(tmp_path / "c.skops", format="skops")
    loaded = load(tmp_path / "c.skops", format="skops",
                  trusted=["conftest.MajorityClassifier"])
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
