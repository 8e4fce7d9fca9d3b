"""The NAS families inside the AutoML: tabular mlp_net, image input, export."""

import logging
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression

pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._plan import ImagePlan, default_components
from sklearn_automl.nas import CNNNetClassifier, MLPNetClassifier, cnn_baseline

SEARCH = {"time_budget": None, "cv": 2, "random_state": 0}


def _table(n=160):
    X, y = make_classification(n, 6, random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    X["city"] = np.where(X["x0"] > 0, "rome", "oslo")
    X.loc[::7, "x1"] = np.nan
    return X, y


def test_mlp_net_is_a_default_family_with_epochs_as_fidelity():
    comps = default_components("classification")
    assert "mlp_net" in comps
    comp = comps["mlp_net"]
    assert comp.fidelity_param == "max_epochs"
    assert isinstance(comp.estimator, MLPNetClassifier)
    # categorical columns: ordinal codes for embeddings, or one-hot, or target
    assert comp.categorical_param == "categorical_features" and comp.scale


def test_automl_searches_and_refits_mlp_net_on_mixed_table():
    X, y = _table()
    automl = AutoMLClassifier(estimators=["mlp_net"], max_trials=2, ensemble_size=0,
                              **SEARCH).fit(X, y)
    assert automl.best_family_ == "mlp_net"
    model = automl.best_estimator_.named_steps["model"]
    assert isinstance(model, MLPNetClassifier) and model.n_jobs == 1
    assert automl.score(X, y) > 0.8
    assert set(automl.best_params_) >= {"model__n_blocks", "model__width"}
    # the default trial embeds the ordinal-coded city column
    assert automl.history_.trials[0].params["features__encoder"] == "ordinal"
    assert automl.cv_results_ is not None
    if automl.best_params_.get("features__encoder") == "ordinal":
        assert model.architecture_["embeddings"] == ((0, 3),)


def test_mlp_net_under_successive_halving_trains_fewer_epochs_at_low_fidelity():
    X, y = make_regression(150, 5, noise=1.0, random_state=0)
    automl = AutoMLRegressor(estimators=["mlp_net"], max_trials=4,
                             schedule="successive_halving", **SEARCH).fit(X, y)
    fidelities = {t.fidelity for t in automl.history_.trials}
    assert min(fidelities) < 1
    assert automl.best_estimator_.named_steps["model"].max_epochs == 20


_BLOCK = textwrap.dedent(
    """
    import pickle, sys

    class _NoAutoML:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "sklearn_automl":
                raise ImportError(f"{name} is blocked in this test")

    sys.meta_path.insert(0, _NoAutoML())
    import runpy
    ns = runpy.run_path(sys.argv[1], run_name="exported_model")
    with open(sys.argv[2], "rb") as f:
        X, y, X_test = pickle.load(f)
    model = ns["fit_model"](X, y)
    with open(sys.argv[3], "wb") as f:
        pickle.dump((model.predict(X_test), model.predict_proba(X_test)), f)
    assert not any(m.startswith("sklearn_automl") for m in sys.modules)
    """
)


def test_exported_mlp_net_runs_without_the_library(tmp_path):
    X, y = _table()
    automl = AutoMLClassifier(estimators=["mlp_net"], max_trials=1, **SEARCH).fit(X, y)
    automl.export_code(tmp_path)
    with open(tmp_path / "data.pkl", "wb") as f:
        pickle.dump((X, y, X.iloc[:40]), f)
    run = subprocess.run(
        [sys.executable, "-c", _BLOCK, str(tmp_path / "model.py"),
         str(tmp_path / "data.pkl"), str(tmp_path / "out.pkl")],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with open(tmp_path / "out.pkl", "rb") as f:
        predicted, proba = pickle.load(f)
    np.testing.assert_array_equal(predicted, automl.predict(X.iloc[:40]))
    np.testing.assert_allclose(proba, automl.predict_proba(X.iloc[:40]), atol=1e-6)


def test_without_the_extra_the_family_is_left_out_with_one_notice():
    code = textwrap.dedent(
        """
        import logging, sys

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "skorch"):
                    raise ImportError(f"No module named {name!r}")

        sys.meta_path.insert(0, Block())
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logging.getLogger("sklearn_automl").addHandler(handler)
        logging.getLogger("sklearn_automl").setLevel(logging.INFO)
        from sklearn.datasets import make_classification
        from sklearn_automl import AutoMLClassifier
        from sklearn_automl._plan import default_components

        for task in ("classification", "regression"):
            assert "mlp_net" not in default_components(task)
        X, y = make_classification(60, 4, random_state=0)
        automl = AutoMLClassifier(max_trials=2, time_budget=None, cv=2).fit(X, y)
        notices = [r for r in records if "mlp_net" in r.getMessage()]
        assert len(notices) == 1, [r.getMessage() for r in records]
        assert "sklearn_automl[nas]" in notices[0].getMessage()
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


@pytest.fixture(scope="module")
def images():
    X, y = load_digits(return_X_y=True)
    return X[:240], y[:240]


def test_automl_on_images_searches_the_cnn_space(images, caplog):
    X, y = images
    automl = AutoMLClassifier(max_trials=2, time_budget=None, ensemble_size=0,
                              random_state=0)
    automl.fit(X.reshape(-1, 8, 8), y)
    assert automl.input_shape_ == (1, 8, 8) and automl.column_kinds_ == {}
    assert automl.best_family_ == "cnn_net" and automl.n_splits_ == 1
    # the search starts from the fixed baseline network, then the space's default
    first, second = (t.config for t in automl.history_.trials)
    assert {k.split("__", 1)[1]: v for k, v in first.items() if k != "family"} == (
        cnn_baseline((1, 8, 8)))
    assert second == ImagePlan("classification", None, (1, 8, 8)).space.default(
        {"family": "cnn_net"})
    steps = automl.best_estimator_.steps
    assert len(steps) == 1 and isinstance(steps[0][1], CNNNetClassifier)
    assert "model__cell" in automl.best_params_
    assert "portfolio" not in caplog.text  # a tabular warm start: not tried on images
    assert automl.predict(X[:5].reshape(-1, 8, 8)).shape == (5,)
    assert automl.predict_proba(X[:5].reshape(-1, 8, 8)).shape == (5, 10)
    # a network is exported as a package directory (tests/test_nas_export_automl.py)
    with pytest.raises(ValueError, match="pass path"):
        automl.export_code()


def test_flat_images_with_input_shape_and_bad_requests(images):
    X, y = images
    automl = AutoMLClassifier(max_trials=1, time_budget=None, input_shape=(8, 8),
                              random_state=0).fit(X, y)
    assert automl.input_shape_ == (1, 8, 8)
    assert automl.predict(X[:3]).shape == (3,)
    with pytest.raises(ValueError, match="only the 'cnn_net' family applies"):
        AutoMLClassifier(max_trials=1, estimators=["lightgbm"]).fit(
            X.reshape(-1, 8, 8), y)
    with pytest.raises(ValueError, match="input_shape"):
        AutoMLClassifier(max_trials=1, input_shape=(7, 7)).fit(X, y)


def test_image_search_under_asha_uses_epochs(images):
    X, y = images
    logging.getLogger("sklearn_automl").setLevel(logging.WARNING)
    automl = AutoMLClassifier(max_trials=4, time_budget=None, schedule="asha",
                              random_state=0).fit(X.reshape(-1, 8, 8), y)
    assert min(t.fidelity for t in automl.history_.trials) < 1


def _fallback_max_time(net, **params):
    """``max_time`` of the network refit when no trial finished."""
    automl = AutoMLClassifier(estimators=[("net", net, {})], cv=2, random_state=0,
                              **params)
    with pytest.warns(UserWarning, match="No trial finished"):
        automl.fit(*_table(80))
    assert automl.best_family_ == "net" and np.isnan(automl.best_score_)
    return automl.best_estimator_.get_params()["model__max_time"]


def test_a_network_refit_without_a_cost_prediction_is_capped_by_the_budget():
    """The fallback refit (no trial finished) gets the time left as max_time."""
    # every trial stopped at its (instant) timeout: nearly all the budget is
    # left, and the fit keeps its promise of time_budget * 1.05 + 1 seconds
    timed_out = {"time_budget": 20, "trial_timeout": 1e-9, "max_trials": 2}
    left = _fallback_max_time(MLPNetClassifier(max_epochs=2), **timed_out)
    assert 15 < left <= 20 * 1.05 + 1
    # a user's tighter limit stays
    assert _fallback_max_time(MLPNetClassifier(max_epochs=2, max_time=2.0),
                              **timed_out) == 2.0


def test_a_network_refit_past_the_deadline_still_gets_a_time_limit():
    """Past the deadline the fallback network still stops, after a second or so."""
    max_time = _fallback_max_time(MLPNetClassifier(max_epochs=2), time_budget=1e-6)
    assert max_time is not None and 1.0 <= max_time <= 2.0


_FORK_SERVER_PROBE = textwrap.dedent("""
    import sys
    from multiprocessing import forkserver
    from sklearn.datasets import make_classification
    from sklearn_automl import AutoMLClassifier

    X, y = make_classification(120, 5, random_state=0)
    AutoMLClassifier(estimators=sys.argv[1].split(","), n_jobs=2, max_trials=2,
                     time_budget=None, cv=2, random_state=0).fit(X, y)
    with open(f"/proc/{forkserver._forkserver._forkserver_pid}/maps") as f:
        print("torch" if "libtorch" in f.read() else "no torch")
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and a fork server")
@pytest.mark.parametrize("estimators, expected",
                         [("mlp_net,linear", "torch"), ("linear,knn", "no torch")])
def test_torch_is_loaded_once_in_the_fork_server_when_nets_are_searched(estimators,
                                                                         expected):
    """Workers forked from the server share one copy of torch (some 250 MB each
    had of their own); a search without nets does not load it at all."""
    out = subprocess.run([sys.executable, "-c", _FORK_SERVER_PROBE, estimators],
                         check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == expected
