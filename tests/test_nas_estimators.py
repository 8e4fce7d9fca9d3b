"""The NAS estimators: architectures, costs, training, devices, persistence."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import GridSearchCV

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

import joblib

from sklearn_automl.nas import (
    CELL_OPS,
    REDUCE_OPS,
    CNNNetClassifier,
    MLPNetClassifier,
    MLPNetRegressor,
    build_module,
    count_params,
    estimate_flops,
)
from sklearn_automl.nas._training import amp_dtype, resolve_device

FAST = {"max_epochs": 5, "device": "cpu", "n_jobs": 1, "random_state": 0}


def _hook_flops(module, input_shape):
    """Exact FLOPs of one sample: 2 per multiply-add of Linear and Conv2d layers."""
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1]
            total[0] += 2 * out.numel() * (mod.in_channels // mod.groups) * k
        elif isinstance(mod, torch.nn.Linear):
            total[0] += 2 * out.numel() * mod.in_features

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    shape = (1, *input_shape) if isinstance(input_shape, tuple) else (1, input_shape)
    module.eval()
    with torch.no_grad():
        module(torch.zeros(shape))
    for h in handles:
        h.remove()
    return total[0]


def _exact_params(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@pytest.mark.parametrize("op", CELL_OPS)
@pytest.mark.parametrize("reduce_op", REDUCE_OPS)
def test_cnn_cost_estimates_match_the_built_module(op, reduce_op):
    # odd image sizes exercise the stride-2 padding of every reduction
    arch = {"kind": "cnn", "channels": 6, "n_stages": 3, "cells_per_stage": 1,
            "cell": ((op, 0), ("sep_conv3x3", 0), (op, 1)), "reduce_op": reduce_op}
    shape = (3, 9, 7)
    module = build_module(arch, shape, 4)
    assert count_params(arch, shape, 4) == _exact_params(module)
    assert estimate_flops(arch, shape, 4) == _hook_flops(module, shape)
    assert module(torch.zeros(2, *shape)).shape == (2, 4)


@pytest.mark.parametrize("block", ["plain", "residual"])
@pytest.mark.parametrize("norm", ["batch", "layer", "none"])
@pytest.mark.parametrize("width", [16, (8, 24, 24)])
def test_mlp_cost_estimates_match_the_built_module(block, norm, width):
    arch = {"kind": "mlp", "n_blocks": 3, "width": width, "width_decay": 0.5,
            "block": block, "normalization": norm}
    module = build_module(arch, 11, 3)
    assert count_params(arch, 11, 3) == _exact_params(module)
    assert estimate_flops(arch, 11, 3) == _hook_flops(module, 11)


@pytest.mark.parametrize("block", ["plain", "residual"])
def test_embeddings_costs_and_codes(block):
    rng = np.random.RandomState(0)
    X = np.c_[rng.normal(size=(200, 3)), rng.randint(-1, 5, 200), rng.randint(0, 3, 200)]
    y = (X[:, 3] >= 2).astype(int)
    clf = MLPNetClassifier(categorical_features=[3, 4], block=block, **FAST).fit(X, y)
    arch = clf.architecture_
    assert arch["embeddings"] == ((3, 6), (4, 4))  # codes -1..4 and 0..2, plus unknown
    assert clf.n_params_ == count_params(arch, 5, 2)
    assert clf.flops_ == estimate_flops(arch, 5, 2) == _hook_flops(clf.net_.module_, 5)
    # a code never seen in training is read as unknown, not out of range
    X_new = X[:5].copy()
    X_new[:, 3] = 40
    assert clf.predict_proba(X_new).shape == (5, 2)
    with pytest.raises(ValueError, match="integer codes"):
        clf.fit(np.c_[X[:, :3], X[:, 3] + 0.5, X[:, 4]], y)
    with pytest.raises(ValueError, match="column indices"):
        MLPNetClassifier(categorical_features=[9], **FAST).fit(X, y)


def test_fitted_attributes_report_costs_and_measurements():
    X, y = make_classification(200, 8, n_classes=3, n_informative=5, random_state=0)
    clf = MLPNetClassifier(n_blocks=3, width=32, width_decay=0.5, **FAST).fit(X, y)
    assert clf.n_params_ == count_params(clf.architecture(), 8, 3)
    assert clf.flops_ == estimate_flops(clf.architecture(), 8, 3)
    assert [m.out_features for m in clf.net_.module_.modules()
            if isinstance(m, torch.nn.Linear)] == [32, 16, 8, 3]
    assert clf.latency_per_sample_ > 0 and clf.peak_memory_ > 4 * clf.n_params_
    assert clf.device_ == "cpu" and clf.n_epochs_ == 5
    assert clf.predict_proba(X).shape == (200, 3)
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1, rtol=1e-5)


def test_cpu_training_is_deterministic_and_leaves_global_rng_alone():
    X, y = make_classification(150, 6, random_state=1)
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = MLPNetClassifier(dropout=0.3, **FAST).fit(X, y).predict_proba(X)
    after = torch.rand(1)
    b = MLPNetClassifier(dropout=0.3, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert before == after  # fit seeded a forked generator, not the global one
    c = MLPNetClassifier(dropout=0.3, **{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a, c.predict_proba(X))


def test_threads_are_scoped_to_fit():
    X, y = make_classification(60, 4, random_state=0)
    before = torch.get_num_threads()
    MLPNetClassifier(**{**FAST, "n_jobs": 1}).fit(X, y)
    assert torch.get_num_threads() == before


def test_clone_grid_search_and_joblib_round_trip(tmp_path):
    X, y = make_classification(120, 5, random_state=0)
    est = MLPNetClassifier(width=16, **FAST)
    assert clone(est).get_params() == est.get_params()
    grid = GridSearchCV(est, {"block": ["plain", "residual"], "width": [8, (16, 8)]},
                        cv=2).fit(X, y)
    assert grid.best_params_["block"] in ("plain", "residual")
    path = tmp_path / "net.joblib"
    joblib.dump(grid.best_estimator_, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X),
                                  grid.best_estimator_.predict_proba(X))


def test_net_saved_on_a_cuda_device_loads_on_cpu_only_machine():
    # No GPU here: the net is trained on the CPU and its device set to "cuda" as
    # a CUDA-trained net would have it; skorch then maps the weights to the CPU
    # on load when torch sees no CUDA device (a fresh process makes sure).
    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA to check the fallback")
    X, y = make_classification(80, 5, random_state=0)
    clf = MLPNetClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    clf.net_.device = "cuda"
    clf.device_ = "cuda"
    blob = pickle.dumps((clf, X, expected))
    code = (
        "import pickle, sys, warnings, numpy as np\n"
        "warnings.simplefilter('ignore')\n"
        "clf, X, expected = pickle.loads(sys.stdin.buffer.read())\n"
        "assert clf.device_ == 'cpu', clf.device_\n"
        "assert next(clf.net_.module_.parameters()).device.type == 'cpu'\n"
        "np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6)\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True,
                         check=False, timeout=120)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    assert run.stdout.strip() == b"ok"


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto") == expected
    assert amp_dtype("cpu") is None
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device("cuda")
        X, y = make_classification(40, 3, n_informative=2, n_redundant=0,
                                   random_state=0)
        with pytest.raises(ValueError, match="device='cuda'"):
            MLPNetClassifier(**{**FAST, "device": "cuda"}).fit(X, y)


def test_images_in_every_layout_give_the_same_model():
    X, y = load_digits(return_X_y=True)
    X, y = X[:200], y[:200]
    params = {"channels": 4, "n_stages": 2, "cell": (("sep_conv3x3", 0),), **FAST}
    flat = CNNNetClassifier(input_shape=(8, 8), **params).fit(X, y)
    three = CNNNetClassifier(**params).fit(X.reshape(-1, 8, 8), y)
    four = CNNNetClassifier(**params).fit(X.reshape(-1, 1, 8, 8), y)
    assert flat.input_shape_ == three.input_shape_ == four.input_shape_ == (1, 8, 8)
    p = flat.predict_proba(X)
    np.testing.assert_allclose(three.predict_proba(X.reshape(-1, 8, 8)), p, atol=1e-6)
    np.testing.assert_allclose(four.predict_proba(X.reshape(-1, 1, 8, 8)), p, atol=1e-6)
    with pytest.raises(ValueError, match="fitted on"):
        three.predict(X[:, :48].reshape(-1, 8, 6))
    with pytest.raises(ValueError, match="input_shape"):
        CNNNetClassifier(input_shape=(7, 7), **params).fit(X, y)


def test_bad_architecture_parameters_are_named():
    X, y = make_classification(40, 3, n_informative=2, n_redundant=0, random_state=0)
    with pytest.raises(ValueError, match="n_blocks=3"):
        MLPNetClassifier(n_blocks=3, width=(8, 8), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="cell node 1"):
        CNNNetClassifier(cell=(("conv3x3", 0), ("conv3x3", 5)), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="block"):
        MLPNetClassifier(block="dense", **FAST).fit(X, y)


def test_regressor_learns_and_maps_targets_back():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = 1000 + 50 * X[:, 0] - 20 * X[:, 1] ** 2
    reg = MLPNetRegressor(width=64, **{**FAST, "max_epochs": 60}).fit(X, y)
    assert reg.score(X, y) > 0.8
    assert abs(reg.predict(X).mean() - y.mean()) < 10
    Y = np.c_[y, -y]
    assert MLPNetRegressor(**FAST).fit(X, Y).predict(X).shape == (300, 2)


def test_early_stopping_and_time_limit_stop_training():
    X, y = make_classification(300, 5, flip_y=0.4, random_state=0)
    stopped = MLPNetClassifier(width=256, lr=0.05, early_stopping=2,
                               **{**FAST, "max_epochs": 200}).fit(X, y)
    assert stopped.n_epochs_ < 200
    quick = MLPNetClassifier(max_time=1e-3, **{**FAST, "max_epochs": 10_000}).fit(X, y)
    assert quick.n_epochs_ < 10_000


def test_nas_import_does_not_import_torch():
    code = (
        "import sys\n"
        "import sklearn_automl, sklearn_automl.nas\n"
        "assert 'torch' not in sys.modules and 'skorch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_planning_and_constructing_nets_does_not_import_torch():
    # torch's import takes seconds and hundreds of MB: the AutoML's plan (its
    # families, mlp_net among them), constructing, cloning and validating the
    # net estimators and the NAS spaces do without it; fitting imports it
    code = (
        "import sys\n"
        "import numpy as np\n"
        "from sklearn.base import clone\n"
        "from sklearn_automl._plan import default_components\n"
        "from sklearn_automl.nas import (CELL_OPS, CNNNetClassifier, MLPNetRegressor,\n"
        "    cnn_space, count_params, estimate_flops, mlp_space)\n"
        "comps = default_components('classification')\n"
        "assert 'mlp_net' in comps\n"
        "net = clone(comps['mlp_net'].estimator).set_params(width=8, n_blocks=1)\n"
        "net._validate_params()\n"
        "CNNNetClassifier(cell=(('conv3x3', 0),))._validate_params()\n"
        "cnn_space((1, 8, 8)), mlp_space()\n"
        "assert count_params({'kind': 'mlp', 'width': 8, 'n_blocks': 1}, 4, 2) > 0\n"
        "assert 'torch' not in sys.modules and 'skorch' not in sys.modules\n"
        "X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)\n"
        "MLPNetRegressor(max_epochs=1, width=4, n_blocks=1).fit(X, X[:, 0])\n"
        "assert 'torch' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_without_torch_constructing_works_and_fit_names_the_extra():
    code = (
        "import sys\n"
        "class Block:\n"  # an environment without the `nas` extra
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'skorch'):\n"
        "            raise ImportError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from sklearn_automl.nas import MLPNetClassifier, NASClassifier\n"
        "clf = MLPNetClassifier(width=8)\n"
        "for est in (clf, NASClassifier(max_trials=1)):\n"
        "    try:\n"
        "        est.fit([[0.0], [1.0]], [0, 1])\n"
        "    except ImportError as exc:\n"
        "        assert 'sklearn_automl[nas]' in str(exc), exc\n"
        "    else:\n"
        "        raise AssertionError('fit did not raise')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_autocast_path_trains_and_predicts_in_float32(monkeypatch):
    # The CUDA path runs the forward pass under bf16 autocast. No GPU here: force
    # the same code path on the CPU (which supports bf16 autocast) and check that
    # training works, outputs come back as float32, and bf16 did change numbers.
    from sklearn_automl.nas import _training

    X, y = make_classification(120, 6, random_state=0)
    plain = MLPNetClassifier(**FAST).fit(X, y)
    monkeypatch.setattr(_training, "amp_dtype", lambda device: torch.bfloat16)
    monkeypatch.setattr(_training.Net, "__init__", _amp_init(_training.Net.__init__))
    amp = MLPNetClassifier(**FAST).fit(X, y)
    assert amp.net_.amp and not plain.net_.amp
    assert amp.net_.infer(torch.zeros(4, 6)).dtype == torch.float32
    assert amp.predict_proba(X).dtype == np.float32
    assert not np.array_equal(amp.predict_proba(X), plain.predict_proba(X))
    assert amp.score(X, y) > 0.7


def _amp_init(init):
    def wrapped(self, *args, amp=False, **kwargs):
        init(self, *args, amp=True, **kwargs)

    return wrapped
