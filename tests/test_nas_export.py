"""Exported network packages, batch-norm folding and CUDA-trained models on the CPU.

The round trips run the exported files in a subprocess in which
``sklearn_automl``, ``skorch`` and scikit-learn cannot be imported: the
package needs numpy and torch only.
"""

import ast
import pickle
import subprocess
import sys
import textwrap
from unittest import mock

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_regression

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_automl.nas import (
    CNNNetClassifier,
    MLPNetClassifier,
    MLPNetRegressor,
    NASClassifier,
    build_module,
    export_network,
    fold_batch_norm,
)
from sklearn_automl.nas._ops import CELL_OPS, REDUCE_OPS

_BLOCKED = ("sklearn_automl", "skorch", "sklearn")

#: run in the subprocess: import the package from its folder, predict, save
_RUNNER = textwrap.dedent(
    """
    import importlib.abc, pickle, sys

    class _Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {blocked!r}:
                raise ImportError(f"{{name}} is blocked in this test")

    sys.meta_path.insert(0, _Block())
    folder, data, out = sys.argv[1:4]
    sys.path.insert(0, folder)
    import inference

    with open(data, "rb") as f:
        X = pickle.load(f)
    predictor = inference.load()
    result = {{"predict": predictor.predict(X)}}
    if predictor.classes is not None:
        result["proba"] = predictor.predict_proba(X)
        result["folded"] = inference.load(optimize="fold").predict_proba(X)
        result["traced"] = inference.load(optimize="trace").predict_proba(X)
    with open(out, "wb") as f:
        pickle.dump(result, f)
    assert not any(m.split(".")[0] in {blocked!r} for m in sys.modules)
    """
).format(blocked=_BLOCKED)


def _run_exported(folder, X, tmp_path):
    with open(tmp_path / "data.pkl", "wb") as f:
        pickle.dump(X, f)
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
    return X[:400].reshape(-1, 8, 8), y[:400]


def test_exported_image_search_reproduces_the_predictions_without_the_library(
        digits, tmp_path):
    X, y = digits
    nas = NASClassifier(max_trials=2, max_epochs=2, time_budget=None, device="cpu",
                        random_state=0).fit(X[:300], y[:300])
    source = nas.export_code(tmp_path / "pkg")
    ast.parse(source)
    assert "sklearn_automl" not in "".join(
        line for line in source.splitlines() if line.startswith(("import", "from")))
    out = _run_exported(tmp_path / "pkg", X[300:], tmp_path)
    np.testing.assert_array_equal(out["predict"], nas.predict(X[300:]))
    # same batches, same kernels: the outputs are bit-identical
    np.testing.assert_array_equal(out["proba"], nas.predict_proba(X[300:]))
    # folding and tracing change the outputs by float rounding only
    np.testing.assert_allclose(out["folded"], out["proba"], atol=1e-5)
    np.testing.assert_allclose(out["traced"], out["proba"], atol=1e-5)
    with pytest.raises(FileExistsError):
        nas.export_code(tmp_path / "pkg")
    nas.export_code(tmp_path / "pkg", overwrite=True)


def test_exported_tabular_regressor_with_embeddings(tmp_path):
    X, y = make_regression(200, 5, noise=1.0, random_state=0)
    X[:, 1] = np.random.RandomState(0).randint(-1, 6, size=len(X))  # category codes
    y2 = np.c_[y, -2 * y]
    reg = MLPNetRegressor(n_blocks=2, width=16, block="residual", categorical_features=[1],
                          max_epochs=3, device="cpu", random_state=0).fit(X, y2)
    folder = export_network(reg, tmp_path / "pkg")
    model_py = (folder / "model.py").read_text()
    assert "nn.Embedding(" in model_py and "ResidualBlock(" in model_py
    X_new = X[:50].copy()
    X_new[0, 1] = 99  # a code never seen: the unknown embedding
    out = _run_exported(folder, X_new, tmp_path)
    np.testing.assert_array_equal(out["predict"], reg.predict(X_new))
    assert out["predict"].shape == (50, 2)


def test_exported_scripts_train_from_csv_and_predict_from_the_command_line(
        digits, tmp_path):
    import csv

    X, y = digits
    flat = X.reshape(len(X), -1)
    labels = np.array(["zero", 'quote"s', "new\nline", "x"] * 100)[: len(y)]
    net = MLPNetClassifier(width=8, max_epochs=1, device="cpu", random_state=0).fit(
        flat, labels)
    folder = export_network(net, tmp_path / "pkg")
    # user labels live in the weights, never in the generated source
    assert 'quote"s' not in (folder / "model.py").read_text()
    np.save(tmp_path / "rows.npy", flat[:20])
    run = subprocess.run(
        [sys.executable, str(folder / "inference.py"), str(tmp_path / "rows.npy"),
         "--output", str(tmp_path / "pred.csv")],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    with open(tmp_path / "pred.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[0] for r in rows[1:]] == net.predict(flat[:20]).tolist()
    with open(tmp_path / "train.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*(f"px{j}" for j in range(flat.shape[1])), "label"])
        writer.writerows([*row, label] for row, label in zip(flat.tolist(), labels))
    run = subprocess.run(
        [sys.executable, str(folder / "train.py"), str(tmp_path / "train.csv"),
         "--target", "label", "--epochs", "1", "--output", str(tmp_path / "new.pt")],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    checkpoint = torch.load(tmp_path / "new.pt", weights_only=True)
    assert checkpoint["classes"] == sorted(set(labels.tolist()))
    module = build_module(net.architecture_, flat.shape[1], 4)
    module.load_state_dict(checkpoint["state_dict"])  # the same architecture


def test_a_cuda_trained_package_and_pickle_load_on_the_cpu(digits, tmp_path):
    """Weights saved from CUDA carry CUDA locations; both ways of loading map them.

    ``location_tag`` is patched so that every tensor is saved as if it lived
    on ``cuda:0`` (this machine has no GPU): a plain ``torch.load`` then
    fails, as it does on a CPU-only machine.
    """
    import torch.serialization as ser

    X, y = digits
    net = CNNNetClassifier(channels=8, n_stages=1, max_epochs=2, early_stopping=1,
                           device="cpu", random_state=0).fit(X, y)
    expected = net.predict_proba(X)
    net.net_.device = net.device_ = "cuda"
    with mock.patch.object(ser, "location_tag", lambda storage: "cuda:0"):
        export_network(net, tmp_path / "pkg")
        blob = pickle.dumps(net)
    with pytest.raises(RuntimeError, match="CUDA"):
        torch.load(tmp_path / "pkg" / "weights.pt", weights_only=True)
    out = _run_exported(tmp_path / "pkg", X, tmp_path)
    np.testing.assert_array_equal(out["proba"], expected)
    with pytest.warns(UserWarning, match="no CUDA devices"):
        loaded = pickle.loads(blob)
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


def _randomize_batch_norms(module, seed=0):
    gen = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=gen))
            m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
            m.weight.data.copy_(torch.randn(n, generator=gen))
            m.bias.data.copy_(torch.randn(n, generator=gen))
    return module.eval()


@pytest.mark.parametrize("reduce_op", REDUCE_OPS)
def test_folding_removes_every_batch_norm_of_a_cnn_and_keeps_its_function(reduce_op):
    cell = tuple((op, k) for k, op in enumerate(CELL_OPS))
    arch = {"kind": "cnn", "channels": 6, "n_stages": 2, "cell": cell,
            "reduce_op": reduce_op}
    net = _randomize_batch_norms(build_module(arch, (2, 7, 7), 3))
    folded = fold_batch_norm(net)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())  # a copy
    x = torch.randn(5, 2, 7, 7)
    with torch.no_grad():
        ref, out = net(x), folded(x)
    assert torch.max(torch.abs(ref - out)) <= 1e-4 * torch.max(torch.abs(ref))


@pytest.mark.parametrize("block", ["plain", "residual"])
def test_folding_an_mlp(block):
    arch = {"kind": "mlp", "n_blocks": 3, "width": 12, "block": block}
    net = _randomize_batch_norms(build_module(arch, 7, 2))
    folded = fold_batch_norm(net)
    n_bn = sum(isinstance(m, torch.nn.BatchNorm1d) for m in folded.modules())
    # the plain blocks' norms all fold; the residual stream's final norm stays
    assert n_bn == (0 if block == "plain" else 1)
    x = torch.randn(9, 7)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), rtol=1e-4, atol=1e-5)
