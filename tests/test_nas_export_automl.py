"""``AutoMLClassifier.export_code`` / ``AutoMLRegressor.export_code`` on images.

A search on images exports its refit network as the PyTorch package of
:func:`~sklearn_automl.nas.export_network` (as ``NASClassifier.export_code``
does). The round trip runs the package's ``inference.py`` in a subprocess in
which ``sklearn_automl``, ``skorch`` and scikit-learn cannot be imported.
"""

import copy
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.datasets import load_digits

pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_automl import AutoMLClassifier, AutoMLRegressor
from sklearn_automl._refit import fitted_voting

_BLOCKED = ("sklearn_automl", "skorch", "sklearn")

#: max |diff| of the class probabilities allowed between the package and the
#: fitted search (same batches, same kernels: they are expected identical)
PROBA_ATOL = 1e-6

_RUNNER = textwrap.dedent(
    """
    import importlib.abc, pickle, sys

    class _Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ImportError(f"{{name}} is blocked in this test")

    sys.meta_path.insert(0, _Block())
    try:
        import sklearn_automl  # noqa: F401
    except ImportError:
        pass
    else:
        raise AssertionError("sklearn_automl was importable")
    folder, data, out = sys.argv[1:4]
    sys.path.insert(0, folder)
    import inference

    with open(data, "rb") as f:
        batches = pickle.load(f)
    predictor = inference.load()
    result = []
    for X in batches:
        result.append({{"predict": predictor.predict(X)}})
        if predictor.classes is not None:
            result[-1]["proba"] = predictor.predict_proba(X)
    with open(out, "wb") as f:
        pickle.dump(result, f)
    assert not any(m.split(".")[0] in {blocked!r} for m in sys.modules)
    """
).format(blocked=_BLOCKED)


def _run_exported(folder, batches, tmp_path):
    """The package's predictions for each array of ``batches``, in one process."""
    with open(tmp_path / "data.pkl", "wb") as f:
        pickle.dump(list(batches), f)
    run = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(folder), str(tmp_path / "data.pkl"),
         str(tmp_path / "out.pkl")],
        capture_output=True, text=True, check=False, timeout=300, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with open(tmp_path / "out.pkl", "rb") as f:
        return pickle.load(f)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:300].reshape(-1, 8, 8), y[:300]


@pytest.fixture(scope="module")
def image_search(digits):
    X, y = digits
    labels = np.array([f"digit {k}" for k in range(10)])[y]  # classes in weights.pt
    return AutoMLClassifier(max_trials=1, time_budget=None, ensemble_size=0,
                            random_state=0).fit(X[:220], labels[:220])


def test_an_image_search_exports_its_network_as_a_package(image_search, digits,
                                                          tmp_path):
    X, _ = digits
    automl = image_search
    assert automl.best_family_ == "cnn_net"
    source = automl.export_code(tmp_path / "pkg")
    names = sorted(p.name for p in (tmp_path / "pkg").iterdir())
    assert names == ["__init__.py", "inference.py", "model.py", "requirements.txt",
                     "train.py", "weights.pt"]
    assert source == (tmp_path / "pkg" / "model.py").read_text(encoding="utf-8")
    assert "class Network(nn.Module)" in source
    X_new = X[220:]
    # flat rows are reshaped to the network's input shape by the package too
    out, flat = _run_exported(
        tmp_path / "pkg", [X_new, X_new.reshape(len(X_new), -1)], tmp_path)
    np.testing.assert_array_equal(out["predict"], automl.predict(X_new))
    assert out["predict"][0].startswith("digit ")
    diff = np.max(np.abs(out["proba"] - automl.predict_proba(X_new)))
    assert diff <= PROBA_ATOL, diff
    np.testing.assert_array_equal(flat["predict"], out["predict"])
    with pytest.raises(FileExistsError):
        automl.export_code(tmp_path / "pkg")
    automl.export_code(tmp_path / "pkg", overwrite=True)


def test_an_image_export_needs_a_directory(image_search):
    with pytest.raises(ValueError, match="pass path"):
        image_search.export_code()


def test_an_ensemble_of_networks_is_refused_with_what_to_do(image_search, tmp_path):
    """A voting ensemble of networks (what the refit builds from several
    members) is not one network: the error says to refit with ensemble_size=0."""
    automl = copy.copy(image_search)
    pipe = automl.best_estimator_
    y = automl.best_estimator_[-1].classes_
    automl.best_estimator_ = fitted_voting(
        [("trial_0", pipe), ("trial_1", pipe)], [pipe, pipe], [0.5, 0.5], y,
        "classification")
    with pytest.raises(ValueError, match="ensemble_size=0") as info:
        automl.export_code(tmp_path / "pkg")
    assert "ensemble of 2 networks" in str(info.value)
    assert not (tmp_path / "pkg").exists()  # nothing written


def test_an_image_regressor_exports_too(digits, tmp_path):
    X, y = digits
    target = y[:120].astype(float) + 0.5 * X[:120, 3, 3]
    automl = AutoMLRegressor(max_trials=1, time_budget=None, ensemble_size=0,
                             random_state=0).fit(X[:120], target)
    automl.export_code(tmp_path / "pkg")
    (out,) = _run_exported(tmp_path / "pkg", [X[120:160]], tmp_path)
    expected = automl.predict(X[120:160])
    assert out["predict"].shape == expected.shape
    np.testing.assert_allclose(out["predict"], expected, rtol=1e-5, atol=1e-5)
